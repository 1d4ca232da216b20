package io.github.azuremi.jdbc.internal.token;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.function.UnaryOperator;

/**
 * The timing settings of one identity's token, with their defaults: the only place where those defaults
 * live. Immutable; equal settings share a token without a warning.
 *
 * <p>Why these defaults: each one's reason is declared with the setting in the catalogue
 * ({@code io.github.azuremi.jdbc.internal.config.Settings}), which README and Spring's metadata follow; README has
 * the long form.
 *
 * @param refreshRatio    share of the lifetime after which the token is refreshed, in (0, 1)
 * @param refreshJitter   share of the remaining time by which refreshes are spread, in [0, 0.5]
 * @param expiryMargin    the token is not handed out this close to its expiry (at most a tenth of its life)
 * @param fetchTimeout    how long one request to the identity endpoint may take
 * @param retryBackoff    the wait after the first failed request; doubles per failure
 * @param retryMaxBackoff the longest wait between failed requests
 */
public record TokenSettings(
        double refreshRatio,
        double refreshJitter,
        Duration expiryMargin,
        Duration fetchTimeout,
        Duration retryBackoff,
        Duration retryMaxBackoff) {

    public static final double DEFAULT_REFRESH_RATIO = 0.5;
    public static final double DEFAULT_REFRESH_JITTER = 0.1;
    public static final Duration DEFAULT_EXPIRY_MARGIN = Duration.ofSeconds(30);
    public static final Duration DEFAULT_FETCH_TIMEOUT = Duration.ofSeconds(20);
    /** Below this, a request to a healthy endpoint on a busy host would time out. */
    public static final Duration MIN_FETCH_TIMEOUT = Duration.ofMillis(250);

    public static final Duration DEFAULT_RETRY_BACKOFF = Duration.ofSeconds(1);
    public static final Duration DEFAULT_RETRY_MAX_BACKOFF = Duration.ofSeconds(30);
    /** Upper bound of every duration setting: longer values are mistakes (and would overflow nanoseconds). */
    public static final Duration MAX_DURATION = Duration.ofHours(1);

    public static final TokenSettings DEFAULTS = new TokenSettings(
            DEFAULT_REFRESH_RATIO,
            DEFAULT_REFRESH_JITTER,
            DEFAULT_EXPIRY_MARGIN,
            DEFAULT_FETCH_TIMEOUT,
            DEFAULT_RETRY_BACKOFF,
            DEFAULT_RETRY_MAX_BACKOFF);

    public TokenSettings {
        Objects.requireNonNull(expiryMargin, "expiryMargin");
        Objects.requireNonNull(fetchTimeout, "fetchTimeout");
        Objects.requireNonNull(retryBackoff, "retryBackoff");
        Objects.requireNonNull(retryMaxBackoff, "retryMaxBackoff");
    }

    // equals, hashCode and toString are written out: the generated ones bootstrap through
    // java.lang.runtime.ObjectMethods, whose shared method handles cache the last record type they were adapted
    // to (MethodHandle.asTypeCache, JDK 17). That pinned the class loader of an undeployed web application
    // (found by ClassLoaderLeakTest: ObjectMethods.OBJECT_EQ -> asTypeCache -> MethodType -> TokenSettings).

    @Override
    public boolean equals(Object o) {
        return o instanceof TokenSettings other
                && Double.compare(refreshRatio, other.refreshRatio) == 0
                && Double.compare(refreshJitter, other.refreshJitter) == 0
                && expiryMargin.equals(other.expiryMargin)
                && fetchTimeout.equals(other.fetchTimeout)
                && retryBackoff.equals(other.retryBackoff)
                && retryMaxBackoff.equals(other.retryMaxBackoff);
    }

    @Override
    public int hashCode() {
        return Objects.hash(refreshRatio, refreshJitter, expiryMargin, fetchTimeout, retryBackoff, retryMaxBackoff);
    }

    @Override
    public String toString() {
        return "TokenSettings[refreshRatio=" + refreshRatio + ", refreshJitter=" + refreshJitter + ", expiryMargin="
                + expiryMargin + ", fetchTimeout=" + fetchTimeout + ", retryBackoff=" + retryBackoff
                + ", retryMaxBackoff="
                + retryMaxBackoff + ']';
    }

    /** The same settings with another fetch timeout (tests use short ones). */
    public TokenSettings withFetchTimeout(Duration timeout) {
        return new TokenSettings(refreshRatio, refreshJitter, expiryMargin, timeout, retryBackoff, retryMaxBackoff);
    }

    /**
     * These settings with every out-of-range value replaced by its default, as HikariCP treats its numbers;
     * each replacement is described in {@code warnings} (one line, naming the setting, the value and the
     * value used).
     */
    public TokenSettings checked(List<String> warnings) {
        return checked(warnings, UnaryOperator.identity());
    }

    /** As {@link #checked(List)}, naming each setting in {@code warnings} as {@code spelt} spells it. */
    public TokenSettings checked(List<String> warnings, UnaryOperator<String> spelt) {
        double ratio = refreshRatio;
        if (!(ratio > 0.0 && ratio < 1.0)) {
            warnings.add(spelt.apply("tokenRefreshRatio") + " must be greater than 0 and less than 1, was " + ratio
                    + "; using " + DEFAULT_REFRESH_RATIO);
            ratio = DEFAULT_REFRESH_RATIO;
        }
        double jitter = refreshJitter;
        if (!(jitter >= 0.0 && jitter <= 0.5)) {
            warnings.add(spelt.apply("tokenRefreshJitter") + " must be between 0 and 0.5, was " + jitter + "; using "
                    + DEFAULT_REFRESH_JITTER);
            jitter = DEFAULT_REFRESH_JITTER;
        }
        Duration margin = expiryMargin;
        if (margin.isNegative() || margin.compareTo(MAX_DURATION) > 0) {
            warnings.add(spelt.apply("tokenExpiryMargin") + " must be between 0 and " + MAX_DURATION.toMillis()
                    + "ms, was " + margin.toMillis() + "ms; using " + DEFAULT_EXPIRY_MARGIN.toMillis() + "ms");
            margin = DEFAULT_EXPIRY_MARGIN;
        }
        Duration timeout = fetchTimeout;
        if (timeout.compareTo(MIN_FETCH_TIMEOUT) < 0 || timeout.compareTo(MAX_DURATION) > 0) {
            warnings.add(
                    spelt.apply("tokenFetchTimeout") + " must be between " + MIN_FETCH_TIMEOUT.toMillis() + "ms and "
                            + MAX_DURATION.toMillis() + "ms, was " + timeout.toMillis()
                            + "ms; using " + DEFAULT_FETCH_TIMEOUT.toMillis() + "ms");
            timeout = DEFAULT_FETCH_TIMEOUT;
        }
        Duration backoff = retryBackoff;
        if (backoff.isNegative() || backoff.isZero() || backoff.compareTo(MAX_DURATION) > 0) {
            warnings.add(spelt.apply("tokenRetryBackoff") + " must be positive and at most " + MAX_DURATION.toMillis()
                    + "ms, was " + backoff.toMillis() + "ms; using " + DEFAULT_RETRY_BACKOFF.toMillis() + "ms");
            backoff = DEFAULT_RETRY_BACKOFF;
        }
        Duration maxBackoff = retryMaxBackoff;
        if (maxBackoff.compareTo(MAX_DURATION) > 0) {
            warnings.add(spelt.apply("tokenRetryMaxBackoff") + " must be at most " + MAX_DURATION.toMillis()
                    + "ms, was " + maxBackoff.toMillis() + "ms; using " + DEFAULT_RETRY_MAX_BACKOFF.toMillis() + "ms");
            maxBackoff = DEFAULT_RETRY_MAX_BACKOFF;
        }
        if (maxBackoff.compareTo(backoff) < 0) {
            Duration fallback = backoff.compareTo(DEFAULT_RETRY_MAX_BACKOFF) > 0 ? backoff : DEFAULT_RETRY_MAX_BACKOFF;
            warnings.add(spelt.apply("tokenRetryMaxBackoff") + " (" + maxBackoff.toMillis() + "ms) is less than "
                    + spelt.apply("tokenRetryBackoff") + " (" + backoff.toMillis() + "ms); using " + fallback.toMillis()
                    + "ms");
            maxBackoff = fallback;
        }
        return new TokenSettings(ratio, jitter, margin, timeout, backoff, maxBackoff);
    }

    /** When to refresh; throws if the settings were not {@linkplain #checked checked}. */
    public RefreshPolicy policy() {
        return new RefreshPolicy(refreshRatio, refreshJitter, expiryMargin);
    }

    /** How long to wait between failures; throws if the settings were not {@linkplain #checked checked}. */
    public Backoff backoff() {
        return new Backoff(retryBackoff, retryMaxBackoff);
    }

    /** A convenience for callers that have no warnings to report (tests, benchmarks). */
    public static TokenSettings checkedOrThrow(TokenSettings settings) {
        List<String> warnings = new ArrayList<>();
        TokenSettings checked = settings.checked(warnings);
        if (!warnings.isEmpty()) {
            throw new IllegalArgumentException(String.join("; ", warnings));
        }
        return checked;
    }
}
