package io.github.azuremi.jdbc.internal.token;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import org.junit.jupiter.api.Test;

/**
 * No token in any message: {@link Redaction} cuts JWTs (whole or truncated) out of text and cause chains, keeps
 * ordinary text, shortens long text, and describes a failure by the message that says something. Its limits are
 * specified at their exact edges: lengths, the depth bound of cause chains, odd throwables.
 */
class RedactionTest {

    private static final String JWT = "eyJhbGciOiJSUzI1NiJ9.eyJzdWIiOiJ4In0.c2lnbmF0dXJl";

    /** A chain of {@code length} exceptions; only the one at {@code jwtAt} (or none, if -1) quotes a JWT. */
    private static Throwable chain(int length, int jwtAt) {
        Throwable t = null;
        for (int i = length - 1; i >= 0; i--) {
            t = new IllegalStateException(i == jwtAt ? "body " + JWT : "level " + i, t);
        }
        return t;
    }

    private static int lengthOf(Throwable t) {
        int n = 0;
        for (; t != null; t = t.getCause()) {
            n++;
        }
        return n;
    }

    /** An exception that names itself as its cause, as some libraries' do. */
    private static final class SelfCaused extends RuntimeException {
        SelfCaused(String message) {
            super(message);
        }

        @Override
        public synchronized Throwable getCause() {
            return this;
        }
    }

    @Test
    void aWholeJwtIsCutOut() {
        assertThat(Redaction.scrub("body {\"access_token\":\"eyJhbGciOiJSUzI1NiJ9.eyJhdWQiOiJ4In0.c2lnbmF0dXJl\"} end"))
                .isEqualTo("body {\"access_token\":\"[token redacted]\"} end");
    }

    /** MSAL quotes a truncated body in its parse error: the token's header and the start of its claims. */
    @Test
    void regressionTruncatedBodyQuotedByMsalIsCutOutToo() {
        String quoted = "Unexpected end of input: {\"access_token\":\"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOi";
        assertThat(Redaction.scrub(quoted)).doesNotContain("eyJ").endsWith("[token redacted]");
    }

    @Test
    void aCauseChainQuotingATokenIsReplacedByAScrubbedCopy() {
        Exception msal = new IllegalStateException(
                "Response: {\"access_token\":\"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOi");
        Exception wrapped = new RuntimeException("Managed Identity authentication failed", msal);
        Throwable safe = Redaction.sanitize(wrapped);
        StringBuilder all = new StringBuilder();
        for (Throwable t = safe; t != null; t = t.getCause()) {
            all.append(t).append('\n');
        }
        assertThat(all)
                .doesNotContain("eyJ")
                .contains("java.lang.IllegalStateException")
                .contains("[token redacted]");
        assertThat(safe.getStackTrace()).isEqualTo(wrapped.getStackTrace());
        Exception clean = new IllegalStateException("HTTP 503");
        assertThat(Redaction.sanitize(clean)).isSameAs(clean);
    }

    @Test
    void ordinaryTextIsKeptAndLongTextShortened() {
        assertThat(Redaction.scrub("HTTP 503 from 169.254.169.254")).isEqualTo("HTTP 503 from 169.254.169.254");
        assertThat(Redaction.scrub("x".repeat(2_000))).hasSize(2_000); // messages of ordinary length are never cut
        assertThat(Redaction.scrub("x".repeat(5_000))).isEqualTo("x".repeat(4_000) + " [... 1000 more characters]");
        String words = "word ".repeat(1_000); // 5000 characters: cut at a word boundary, never mid-word
        assertThat(Redaction.scrub(words)).startsWith("word word").endsWith("word [... 1001 more characters]");
    }

    @Test
    void describeFollowsTheCauseChainToAMessage() {
        Exception e = new RuntimeException(new IllegalStateException("no identity"));
        assertThat(Redaction.describe(e)).contains("no identity");
        assertThat(Redaction.describe(new RuntimeException((String) null))).isEqualTo("RuntimeException");
    }

    // at the limits -------------------------------------------------------------------------------------

    @Test
    void scrubOfNullIsNullAndTextOfExactly4000CharactersIsKeptWhole() {
        assertThat(Redaction.scrub(null)).isNull();
        String text = "a".repeat(4_000);
        assertThat(Redaction.scrub(text)).isEqualTo(text);
        assertThat(Redaction.scrub(text + "b")).isEqualTo(text + " [... 1 more characters]");
    }

    @Test
    void aJwtDeeperThanTwentyCausesIsNotLookedFor() {
        Throwable deep = chain(25, 20);
        assertThat(Redaction.sanitize(deep)).isSameAs(deep);
        Throwable lastSearched = chain(25, 19);
        assertThat(Redaction.sanitize(lastSearched)).isNotSameAs(lastSearched);
    }

    @Test
    void aScrubbedCopyKeepsAtMostTwentyLevelsOfTheChain() {
        Throwable scrubbed = Redaction.sanitize(chain(25, 0));
        assertThat(scrubbed).isInstanceOf(Redaction.ScrubbedException.class);
        assertThat(lengthOf(scrubbed)).isEqualTo(20);
        assertThat(scrubbed.getMessage()).isEqualTo("java.lang.IllegalStateException: body [token redacted]");
    }

    @Test
    void describeOfNullIsUnknownError() {
        assertThat(Redaction.describe(null)).isEqualTo("unknown error");
    }

    @Test
    void describeOfAnExceptionWithoutMessageOrCauseIsItsSimpleName() {
        assertThat(Redaction.describe(new IllegalStateException())).isEqualTo("IllegalStateException");
    }

    @Test
    void describeSkipsOuterExceptionsWithoutAMessage() {
        Throwable error = new RuntimeException((String) null, new RuntimeException("  ", new IOException("inner")));
        assertThat(Redaction.describe(error)).isEqualTo("IOException: inner");
    }

    @Test
    void describeOfASelfCausedExceptionStopsAtIt() {
        assertThat(Redaction.describe(new SelfCaused("loop"))).isEqualTo("SelfCaused: loop");
        assertThat(Redaction.describe(new SelfCaused(null))).isEqualTo("SelfCaused");
    }

    @Test
    void describeNamesTheRootCauseAtMostTwentyLevelsDown() {
        assertThat(Redaction.describe(chain(30, -1)))
                .isEqualTo("IllegalStateException: level 0 (caused by IllegalStateException: level 20)");
        assertThat(Redaction.describe(chain(3, -1)))
                .isEqualTo("IllegalStateException: level 0 (caused by IllegalStateException: level 2)");
    }

    @Test
    void describeAddsNoRootCauseThatSaysNothingNew() {
        assertThat(Redaction.describe(new IOException("alone"))).isEqualTo("IOException: alone");
        assertThat(Redaction.describe(new RuntimeException("outer", new IOException())))
                .isEqualTo("RuntimeException: outer");
        assertThat(Redaction.describe(new RuntimeException("outer", new IOException(" "))))
                .isEqualTo("RuntimeException: outer");
        assertThat(Redaction.describe(new RuntimeException("failed: inner text", new IOException("inner text"))))
                .isEqualTo("RuntimeException: failed: inner text");
    }

    @Test
    void describeOfAScrubbedCopyShowsItsMessageWithoutAddingItsOwnClass() {
        Throwable scrubbed = Redaction.sanitize(new IOException("got " + JWT));
        assertThat(Redaction.describe(scrubbed)).isEqualTo("java.io.IOException: got [token redacted]");
    }
}
