package io.github.kimirotator.api;

import java.util.AbstractMap;
import java.util.Collections;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Set;
import java.util.SortedMap;
import java.util.TreeMap;

/**
 * The unmodifiable maps that {@link Account} and {@link AccountsState} hold. Every record built from another
 * (each health event builds one) passes most of its maps on unchanged; a map of this kind is known to be an
 * unmodifiable copy nobody else can change, so it is kept as it is instead of being copied again.
 */
final class Frozen {
    private Frozen() {
    }

    /** {@code map} as an unmodifiable sorted copy, or itself when it is one already. */
    static <V> SortedMap<String, V> sorted(Map<String, V> map) {
        if (map instanceof FrozenSortedMap<String, V> frozen) {
            return frozen;
        }
        if (map instanceof SortedMap<String, V> sortedMap && sortedMap.comparator() == null) {
            return new FrozenSortedMap<>(new TreeMap<>(sortedMap));
        }
        // Days in their natural order (oldest first) whatever order a given map had: pruning and the file rely on it.
        Map<String, V> plain = map == null ? Map.of() : map;
        return new FrozenSortedMap<>(new TreeMap<>(plain));
    }

    /**
     * {@code owned}, which nobody else holds or changes any more, unmodifiable and without a copy (a copy in the
     * natural order when it has another).
     */
    static <V> SortedMap<String, V> adopt(TreeMap<String, V> owned) {
        return owned.comparator() == null ? new FrozenSortedMap<>(owned) : sorted(owned);
    }

    /** {@code map} as an unmodifiable copy in its order, or itself when it is one already. */
    static <V> Map<String, V> inOrder(Map<String, V> map) {
        if (map instanceof FrozenMap<String, V> frozen) {
            return frozen;
        }
        return new FrozenMap<>(new LinkedHashMap<>(map == null ? Map.of() : map));
    }

    /** An unmodifiable view of a map nobody else holds. */
    private static class FrozenMap<K, V> extends AbstractMap<K, V> {
        private final Map<K, V> view;

        FrozenMap(Map<K, V> view) {
            this.view = view;
        }

        FrozenMap(LinkedHashMap<K, V> owned) {
            this(Collections.unmodifiableMap(owned));
        }

        @Override public Set<Entry<K, V>> entrySet() { return view.entrySet(); }
        @Override public int size() { return view.size(); }
        @Override public boolean isEmpty() { return view.isEmpty(); }
        @Override public boolean containsKey(Object key) { return view.containsKey(key); }
        @Override public V get(Object key) { return view.get(key); }
        @Override public V getOrDefault(Object key, V defaultValue) { return view.getOrDefault(key, defaultValue); }
        @Override public Set<K> keySet() { return view.keySet(); }
        @Override public java.util.Collection<V> values() { return view.values(); }
    }

    private static final class FrozenSortedMap<K, V> extends FrozenMap<K, V> implements SortedMap<K, V> {
        private final SortedMap<K, V> sorted;

        FrozenSortedMap(TreeMap<K, V> owned) {
            this(Collections.unmodifiableSortedMap(owned));
        }

        private FrozenSortedMap(SortedMap<K, V> sorted) {
            super(sorted);
            this.sorted = sorted;
        }

        @Override public Comparator<? super K> comparator() { return sorted.comparator(); }
        @Override public SortedMap<K, V> subMap(K fromKey, K toKey) { return sorted.subMap(fromKey, toKey); }
        @Override public SortedMap<K, V> headMap(K toKey) { return sorted.headMap(toKey); }
        @Override public SortedMap<K, V> tailMap(K fromKey) { return sorted.tailMap(fromKey); }
        @Override public K firstKey() { return sorted.firstKey(); }
        @Override public K lastKey() { return sorted.lastKey(); }
    }
}
