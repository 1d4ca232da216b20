package io.github.azuremi.jdbc.internal.compat;

import static org.assertj.core.api.Assertions.assertThat;

import com.zaxxer.hikari.HikariConfig;
import org.junit.jupiter.api.Test;

/**
 * The HikariCP-version guard and the driver lookup. Running on HikariCP 6.3 (Spring Boot 3.5's) is proven
 * by {@code mvn test -Dhikaricp.version=6.3.3} and by consumers/spring-boot-3.5; the driver lookup inside a
 * web application by consumers/tomcat (DriverManager there does not see WEB-INF/lib).
 */
class CompatTest {

    @Test
    void noCredentialsProviderOnAPlainConfig() {
        assertThat(HikariCompat.credentialsProviderSet(new HikariConfig())).isFalse();
        assertThat(HikariCompat.hikariVersion()).isNotBlank();
    }

    @Test
    void aConfiguredDriverClassWins() {
        assertThat(DriverClasses.resolve("jdbc:postgresql://h/db", "com.example.Driver"))
                .isEqualTo("com.example.Driver");
    }

    @Test
    void aDriverThatDriverManagerFindsIsLeftToHikari() throws Exception {
        Class.forName("org.postgresql.Driver");
        assertThat(DriverClasses.resolve("jdbc:postgresql://h/db", null)).isNull();
    }

    @Test
    void anUnknownPrefixGivesNothing() {
        assertThat(DriverClasses.resolve("jdbc:nosuchdb://h/db", null)).isNull();
    }
}
