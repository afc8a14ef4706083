package io.github.kimirotator.proxy;

import java.io.IOException;
import org.eclipse.jetty.io.AbstractEndPoint;
import org.eclipse.jetty.io.EndPoint;
import org.eclipse.jetty.io.EofException;
import org.eclipse.jetty.util.BufferUtil;
import org.eclipse.jetty.util.Callback;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Notices a client that closes its connection while the proxy waits for the upstream. Jetty reads nothing
 * from a connection whose request body was read whole until the response is done, so a client that hangs up
 * while the upstream is silent would go unnoticed until the upstream answers (and bills the key). This asks
 * to be told when the client's connection becomes readable: the end of the stream means the client is gone.
 *
 * <p>Watch only once the request body has been read whole, and {@link #stop()} before completing the
 * response: Jetty's connection then registers its own read interest for the next request. A client that
 * sends its next request before this one is answered (HTTP pipelining, which no API client does) has the
 * bytes read here; its connection is then closed after this answer ({@link #tookData()}).
 */
final class ClientWatch implements Callback {
    private static final Logger LOG = LoggerFactory.getLogger(ClientWatch.class);

    /** Ends the watch's read interest; never seen by anyone, so one instance without a stack trace serves all. */
    private static final RuntimeException STOPPED = new Stopped();

    private final EndPoint endPoint;
    private final Runnable onGone;
    private boolean armed;
    private boolean stopped;
    private volatile boolean tookData;

    private ClientWatch(EndPoint endPoint, Runnable onGone) {
        this.endPoint = endPoint;
        this.onGone = onGone;
    }

    /** Starts watching {@code endPoint}; {@code onGone} runs (once) when the client is seen to be gone. */
    static ClientWatch start(EndPoint endPoint, Runnable onGone) {
        ClientWatch watch = new ClientWatch(endPoint, onGone);
        watch.arm();
        return watch;
    }

    /** Stops watching; the connection's read interest is Jetty's again. */
    void stop() {
        boolean cancel;
        synchronized (this) {
            stopped = true;
            cancel = armed;
            armed = false;
        }
        if (cancel && endPoint instanceof AbstractEndPoint e) {
            e.getFillInterest().onFail(STOPPED);
        }
    }

    /**
     * Whether bytes of a next request were read here, so that the connection must not be reused; final once
     * {@link #stop()} has returned.
     */
    boolean tookData() {
        return tookData;
    }

    private void arm() {
        synchronized (this) {
            if (stopped || armed) {
                return;
            }
            armed = endPoint.tryFillInterested(this);
        }
    }

    @Override
    public void succeeded() {
        int filled;
        synchronized (this) {
            // The fill runs under the lock that stop() takes, and never once stopped: after stop() returns, the
            // answer may complete and the client send its next request, whose bytes are Jetty's connection's.
            if (!armed || stopped) {
                return;
            }
            armed = false;
            try {
                filled = endPoint.fill(BufferUtil.allocate(256));
            } catch (IOException e) {
                filled = -1;
            }
            if (filled > 0) {
                tookData = true;
            }
        }
        if (filled < 0) {
            LOG.debug("the client closed its connection");
            onGone.run();
        } else if (filled == 0) {
            arm();
        }
    }

    @Override
    public void failed(Throwable x) {
        boolean mine;
        synchronized (this) {
            mine = armed;
            armed = false;
        }
        if (mine) {
            onGone.run();
        }
    }

    @Override
    public InvocationType getInvocationType() {
        return InvocationType.NON_BLOCKING;
    }

    /** Why the watch's read interest ended: it was stopped (filling in a stack trace cost 2 % of the CPU). */
    private static final class Stopped extends RuntimeException {
        private static final long serialVersionUID = 1L;

        Stopped() {
            super("stopped watching", null, false, false);
        }
    }

    /** The failure the exchange sees when the watch finds the client gone. */
    static EofException gone() {
        return new EofException("the client closed the connection");
    }
}
