package io.github.azuremi.jdbc.internal.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Instant;
import org.junit.jupiter.api.Test;

/** The accessors and the due/usable tests of a cached token. */
class CachedTokenTest {

    private static final Instant FETCHED = Instant.parse("2026-11-28T08:00:00Z");
    private static final Instant REFRESH = FETCHED.plusSeconds(3600);
    private static final Instant USABLE = FETCHED.plusSeconds(7170);
    private static final Instant EXPIRES = FETCHED.plusSeconds(7200);

    private final CachedToken token =
            new CachedToken("secret-value", FETCHED, EXPIRES, new RefreshPolicy.Schedule(REFRESH, USABLE), 11L, 22L);

    @Test
    void itKeepsItsInstantsAndTicksAndTheRefreshPointInWallClockMillis() {
        assertThat(token.fetchedAt()).isEqualTo(FETCHED);
        assertThat(token.expiresAt()).isEqualTo(EXPIRES);
        assertThat(token.refreshAt()).isEqualTo(REFRESH);
        assertThat(token.usableUntil()).isEqualTo(USABLE);
        assertThat(token.refreshAtNanos()).isEqualTo(11L);
        assertThat(token.usableUntilNanos()).isEqualTo(22L);
        assertThat(token.refreshAtMillis()).isEqualTo(REFRESH.toEpochMilli());
    }

    @Test
    void aRefreshIsDueFromTheRefreshPointOn() {
        assertThat(token.isRefreshDue(REFRESH.minusNanos(1))).isFalse();
        assertThat(token.isRefreshDue(REFRESH)).isTrue();
        assertThat(token.isRefreshDue(REFRESH.plusSeconds(1))).isTrue();
    }

    @Test
    void itIsUsableOnlyBeforeItsUsableEnd() {
        assertThat(token.isUsable(USABLE.minusNanos(1))).isTrue();
        assertThat(token.isUsable(USABLE)).isFalse();
    }

    @Test
    void itsTextShowsTheScheduleAndLengthButNeverTheToken() {
        assertThat(token.toString())
                .startsWith("CachedToken{fetchedAt=" + FETCHED)
                .contains("refreshAt=" + REFRESH, "usableUntil=" + USABLE, "expiresAt=" + EXPIRES, "length=12")
                .doesNotContain("secret-value");
    }
}
