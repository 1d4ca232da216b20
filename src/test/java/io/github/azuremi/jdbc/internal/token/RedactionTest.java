package io.github.azuremi.jdbc.internal.token;

import org.junit.jupiter.api.Test;

import static org.assertj.core.api.Assertions.assertThat;

class RedactionTest {

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
    Exception msal = new IllegalStateException("Response: {\"access_token\":\"eyJ0eXAiOiJKV1QiLCJhbGciOiJSUzI1NiJ9.eyJhdWQiOi");
    Exception wrapped = new RuntimeException("Managed Identity authentication failed", msal);
    Throwable safe = Redaction.sanitize(wrapped);
    StringBuilder all = new StringBuilder();
    for (Throwable t = safe; t != null; t = t.getCause()) {
      all.append(t).append('\n');
    }
    assertThat(all).doesNotContain("eyJ").contains("java.lang.IllegalStateException").contains("[token redacted]");
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
}
