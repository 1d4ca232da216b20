package io.github.azuremi.jdbc.secrets;

import ch.qos.logback.classic.Level;
import ch.qos.logback.classic.spi.ILoggingEvent;
import ch.qos.logback.classic.spi.ThrowableProxyUtil;
import ch.qos.logback.core.AppenderBase;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.atomic.AtomicLong;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.slf4j.bridge.SLF4JBridgeHandler;

/**
 * Sees every log event of the test JVM, at every level (root is TRACE in logback-test.xml; java.util.logging,
 * which pgjdbc and mssql-jdbc use, is bridged here), and remembers any that carries something JWT-shaped
 * (a token, or the start of one) or the identity header's secret. It keeps only where the leak was, never
 * the secret. {@link NoSecretInAnyLogTest} runs last and asserts that nothing was found.
 */
public final class LeakDetectingAppender extends AppenderBase<ILoggingEvent> {

    /** A JWT or its header and the start of its claims, as a truncated body would show. */
    static final Pattern JWT_SHAPED = Pattern.compile("eyJ[A-Za-z0-9_-]{6,}\\.[A-Za-z0-9_-]{6,}");

    private static final List<String> LEAKS = new CopyOnWriteArrayList<>();
    private static final Map<String, AtomicLong> EVENTS_BY_SOURCE = new ConcurrentHashMap<>();
    private static final AtomicLong EVENTS = new AtomicLong();
    private static volatile String identityHeader = System.getenv("IDENTITY_HEADER");

    @Override
    public void start() {
        // pgjdbc and mssql-jdbc log through java.util.logging: send it to SLF4J, at every level
        SLF4JBridgeHandler.removeHandlersForRootLogger();
        SLF4JBridgeHandler.install();
        java.util.logging.Logger.getLogger("").setLevel(java.util.logging.Level.ALL);
        super.start();
    }

    @Override
    protected void append(ILoggingEvent event) {
        EVENTS.incrementAndGet();
        EVENTS_BY_SOURCE
                .computeIfAbsent(
                        source(event.getLoggerName()) + "@" + levelBucket(event.getLevel()), k -> new AtomicLong())
                .incrementAndGet();
        String text = event.getFormattedMessage();
        if (event.getThrowableProxy() != null) {
            text = text + "\n" + ThrowableProxyUtil.asString(event.getThrowableProxy());
        }
        countIssuedTokens(text);
        String found = findSecret(text, identityHeader);
        if (found != null) {
            LEAKS.add(event.getLevel() + " " + event.getLoggerName() + " [" + event.getThreadName() + "]: " + found);
        }
    }

    private static final Pattern COMPLETE_JWT = Pattern.compile("eyJ[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+\\.[A-Za-z0-9_-]+");
    private static final AtomicLong COMPLETE_ISSUED = new AtomicLong();

    /** Counts complete tokens that the local endpoint issued, whichever logger printed them. */
    private static void countIssuedTokens(String text) {
        if (text == null || !text.contains("eyJ")) {
            return;
        }
        Matcher m = COMPLETE_JWT.matcher(text);
        while (m.find()) {
            if (io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint.shared()
                    .hasIssued(m.group())) {
                COMPLETE_ISSUED.incrementAndGet();
            }
        }
    }

    static long completeIssuedTokensSeen() {
        return COMPLETE_ISSUED.get();
    }

    /**
     * What kind of secret the text holds and where (never the secret itself), or null. Besides the text as it is, the
     * text is also read the ways a packet dump or an encoder could hide a token: hex (mssql-jdbc's TDS.DATA and
     * Connector/J's traceProtocol dump packets as hex), UTF-16 (the FEDAUTH token message) and base64.
     */
    public static String findSecret(String text, String header) {
        if (text == null) {
            return null;
        }
        String found = findPlain(text, header);
        if (found != null) {
            return found;
        }
        for (Map.Entry<String, String> decoded : SecretDecodings.of(text).entrySet()) {
            found = findPlain(decoded.getValue(), header);
            if (found != null) {
                return found + " (" + decoded.getKey() + ")";
            }
        }
        return null;
    }

    private static String findPlain(String text, String header) {
        Matcher m = JWT_SHAPED.matcher(text);
        if (m.find()) {
            // the few characters before it say where it was (e.g. "ENTRY ", "access_token\":\""); they are no secret
            String before =
                    text.substring(Math.max(0, m.start() - 16), m.start()).replaceAll("[\\r\\n]", " ");
            return "JWT-shaped text at offset " + m.start() + " (" + (m.end() - m.start()) + " chars) after \"" + before
                    + "\"";
        }
        if (header != null && !header.isEmpty() && text.contains(header)) {
            return "the IDENTITY_HEADER secret at offset " + text.indexOf(header);
        }
        return null;
    }

    private static String source(String logger) {
        for (String prefix : List.of(
                "io.github.azuremi",
                "com.zaxxer.hikari",
                "com.azure",
                "com.microsoft.aad.msal4j",
                "org.postgresql",
                "com.mysql",
                "com.microsoft.sqlserver")) {
            if (logger.startsWith(prefix)) {
                return prefix;
            }
        }
        return "other";
    }

    private static String levelBucket(Level level) {
        return level.isGreaterOrEqual(Level.INFO) ? "INFO+" : "DEBUG-";
    }

    static List<String> leaks() {
        return List.copyOf(LEAKS);
    }

    static long events() {
        return EVENTS.get();
    }

    static Map<String, AtomicLong> eventsBySource() {
        return Map.copyOf(EVENTS_BY_SOURCE);
    }

    static void setIdentityHeaderForTest(String header) {
        identityHeader = header;
    }
}
