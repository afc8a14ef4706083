package io.github.kimirotator.cli;

import static io.github.kimirotator.cli.ProxyFixture.KEY_A;
import static io.github.kimirotator.cli.ProxyFixture.KEY_B;
import static io.github.kimirotator.cli.ProxyFixture.KEY_C;
import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.File;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.time.Clock;
import java.time.Duration;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Assumptions;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.openqa.selenium.By;
import org.openqa.selenium.Dimension;
import org.openqa.selenium.OutputType;
import org.openqa.selenium.StaleElementReferenceException;
import org.openqa.selenium.TakesScreenshot;
import org.openqa.selenium.WebDriver;
import org.openqa.selenium.WebElement;
import org.openqa.selenium.chrome.ChromeDriver;
import org.openqa.selenium.chrome.ChromeDriverService;
import org.openqa.selenium.chrome.ChromeOptions;
import org.openqa.selenium.support.ui.ExpectedConditions;
import org.openqa.selenium.support.ui.WebDriverWait;

/**
 * The dashboard in a real headless Chromium (Debian's {@code chromium} and {@code chromium-driver}, driven by
 * Selenium with no download), against a real proxy that saw a 429. Skipped with a message where Chromium is
 * not installed, except on CI, where {@code .ci/run} installs it.
 */
class TestDashboardInBrowser {
    static final Path BROWSER = Path.of("/usr/lib/chromium/chromium");
    static final Path DRIVER = Path.of("/usr/bin/chromedriver");
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Pattern SECONDS = Pattern.compile("resets in (\\d+)s");

    @TempDir
    Path home;
    CliRunner cli;
    ProxyFixture proxy;
    WebDriver browser;
    WebDriverWait waiting;

    @BeforeEach
    void setUp() throws Exception {
        boolean installed = Files.isExecutable(BROWSER) && Files.isExecutable(DRIVER);
        if (!installed && !"true".equals(System.getenv("CI"))) {
            Assumptions.abort("no Chromium here (" + BROWSER + ", " + DRIVER + "): apt-get install chromium"
                    + " chromium-driver to run the dashboard's browser test");
        }
        assertThat(installed).as("CI must have Chromium: .ci/run installs chromium and chromium-driver").isTrue();
        cli = new CliRunner(home).clock(Clock.systemUTC());
        proxy = new ProxyFixture(cli, KEY_A, KEY_B, KEY_C);
        ChromeOptions options = new ChromeOptions();
        options.setBinary(BROWSER.toFile());
        options.addArguments("--headless=new", "--no-sandbox", "--disable-gpu", "--window-size=1280,900");
        ChromeDriverService service = new ChromeDriverService.Builder().usingDriverExecutable(DRIVER.toFile())
                .usingAnyFreePort().build();
        browser = new ChromeDriver(service, options);
        // the page redraws its cards every second: an element found just before a redraw goes stale
        waiting = new WebDriverWait(browser, Duration.ofSeconds(15));
        waiting.ignoring(StaleElementReferenceException.class);
    }

    @AfterEach
    void tearDown() {
        if (browser != null) {
            browser.quit();
        }
        if (proxy != null) {
            proxy.close();
        }
    }

    @Test
    void showsEveryKeyAfterA429CountsDownAndClearsTheLimitEverywhere() throws Exception {
        // A (the active key) gets a 429 and the request fails over to B; C was disabled with the CLI's file
        proxy.limitNext(KEY_A, 45);
        assertThat(proxy.message()).isEqualTo(200);
        for (int i = 0; i < 6; i++) {
            assertThat(proxy.message()).isEqualTo(200);
        }
        proxy.store.update(s -> s.withAccount(2, a -> a.toBuilder().disabled(true).limitReason("key rejected (401)").build()));
        assertThat(eventually(() -> state(2).equals("disabled"))).isTrue();

        browser.get(proxy.uri("/_kimi/").toString());
        WebElement tokenField = waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("token")));

        // a wrong token shows nothing about the keys
        tokenField.sendKeys("not-the-token");
        browser.findElement(By.id("login-button")).click();
        waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("login-error")));
        assertThat(browser.findElements(By.cssSelector(".card"))).isEmpty();
        assertThat(browser.getPageSource()).doesNotContain("Account 1").doesNotContain("sk-kimi-");

        browser.findElement(By.id("token")).sendKeys(proxy.token);
        browser.findElement(By.id("login-button")).click();
        waiting.until(ExpectedConditions.numberOfElementsToBe(By.cssSelector(".card"), 3));
        assertThat(stateShown(0)).isEqualTo("limited");
        assertThat(stateShown(1)).isEqualTo("active");
        assertThat(stateShown(2)).isEqualTo("disabled");
        assertThat(cardText(0)).contains("Account 1").contains("sk-kimi-...1111").contains("rate limited")
                .contains("● active key");
        JsonNode tokensB = JSON.readTree(proxy.get("/_kimi/status")).at("/keys/1/tokensToday");
        assertThat(tokensB.path("input").asLong()).isPositive();
        assertThat(cardText(1)).contains(String.format(java.util.Locale.ROOT, "%,d in / %,d out",
                tokensB.path("input").asLong(), tokensB.path("output").asLong()));
        assertThat(cardText(2)).contains("key rejected (401)");
        assertThat(latencyShown(0)).as("A only got a 429, which is not timed: no average, not 0 ms").isEqualTo("n/a");
        assertThat(latencyShown(1)).matches("[0-9,]+ / [0-9,]+ ms");
        String page = browser.getPageSource();
        for (String key : List.of(KEY_A, KEY_B, KEY_C)) {
            assertThat(page).doesNotContain(key);
        }

        int first = countdown();
        waiting.until(d -> countdown() < first);

        waiting.until(d -> !d.findElements(By.cssSelector("#chart-requests rect")).isEmpty());
        browser.manage().window().setSize(new Dimension(1280, 1160));
        Path shot = Path.of("target", "dashboard.png");
        Files.createDirectories(shot.getParent());
        File png = ((TakesScreenshot) browser).getScreenshotAs(OutputType.FILE);
        Files.copy(png.toPath(), shot, StandardCopyOption.REPLACE_EXISTING);
        assertThat(Files.size(shot)).isPositive();

        waiting.until(d -> {
            card(0).findElement(By.cssSelector("button.clear-limits")).click();
            return true;
        });
        waiting.until(d -> stateShown(0).equals("active"));
        assertThat(browser.findElement(By.id("message")).getText()).isEqualTo("Limits cleared for [0]");
        List<WebElement> countdowns = waiting.until(d -> card(0).findElements(By.cssSelector(".countdown")));
        assertThat(countdowns).isEmpty();
        assertThat(state(0)).isEqualTo("active");
        CliRunner.Result list = cli.run("--json", "list-keys");
        assertThat(JSON.readTree(list.out()).at("/keys/0/state").asText()).isEqualTo("active");
        assertThat(JSON.readTree(list.out()).at("/keys/0/limitedUntil").isNull()).isTrue();
        assertThat(cli.run("list-keys").out()).contains("[0] Account 1").doesNotContain("Limited");

        // the page says so plainly when the proxy stops answering
        proxy.close();
        proxy = null;
        waiting.until(ExpectedConditions.visibilityOfElementLocated(By.id("down")));
        assertThat(browser.findElement(By.id("down")).getText()).startsWith("The proxy is not answering");
    }

    private WebElement card(int index) {
        return browser.findElement(By.cssSelector(".card[data-index='" + index + "']"));
    }

    private String latencyShown(int index) {
        return waiting.until(d -> card(index).findElement(By.cssSelector(".latency")).getText());
    }

    private String cardText(int index) {
        return waiting.until(d -> card(index).getText());
    }

    private String stateShown(int index) {
        return waiting.until(d -> card(index).findElement(By.cssSelector(".state")).getText());
    }

    private int countdown() {
        Matcher m = SECONDS.matcher(waiting.until(d -> card(0).findElement(By.cssSelector(".countdown")).getText()));
        assertThat(m.find()).isTrue();
        return Integer.parseInt(m.group(1));
    }

    /** The state of key {@code index} in the proxy's status JSON. */
    private String state(int index) {
        try {
            JsonNode status = JSON.readTree(proxy.get("/_kimi/status"));
            return status.at("/keys/" + index + "/state").asText();
        } catch (Exception e) {
            throw new IllegalStateException(e);
        }
    }

    private static boolean eventually(java.util.function.BooleanSupplier condition) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(15).toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
