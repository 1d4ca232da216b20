package io.github.azuremi.jdbc.jndi;

import static org.assertj.core.api.Assertions.assertThat;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.internal.token.TokenRegistry;
import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import jakarta.servlet.http.HttpServlet;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.atomic.AtomicReference;
import javax.naming.InitialContext;
import javax.sql.DataSource;
import org.apache.catalina.Context;
import org.apache.catalina.startup.Tomcat;
import org.apache.tomcat.util.scan.StandardJarScanner;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/**
 * The JNDI resource in a real embedded Tomcat 10.1 (Jakarta Servlet 6.0, the line of App Service's Tomcat 10.1),
 * configured by the project's own example, {@code config/tomcat/context.xml}, deployed as the web
 * application's {@code META-INF/context.xml}. A servlet looks the data source up in {@code java:comp/env} and
 * queries the real PostgreSQL with a token from the local managed-identity endpoint.
 */
class TomcatJndiResourceTest {

    /** What the servlet looked up, so that the test can see it closed when the context stops. */
    static final AtomicReference<DataSource> LOOKED_UP = new AtomicReference<>();

    private static final Map<String, String> APP_SETTINGS =
            Map.of("DATABASE_URL", "", "DATABASE_USERNAME", "", "AZURE_CLIENT_ID", "");

    private final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private Tomcat tomcat;

    /** Tomcat.enableNaming() sets these JVM-wide; the other tests of this JVM get them back as they were. */
    private static final List<String> NAMING_PROPERTIES =
            List.of("java.naming.factory.initial", "java.naming.factory.url.pkgs");

    private final Map<String, String> namingBefore = new java.util.HashMap<>();

    @BeforeEach
    void reset() {
        endpoint.reset();
        LOOKED_UP.set(null);
        NAMING_PROPERTIES.forEach(p -> namingBefore.put(p, System.getProperty(p)));
    }

    @AfterEach
    void stop() throws Exception {
        if (tomcat != null) {
            tomcat.stop();
            tomcat.destroy();
        }
        APP_SETTINGS.keySet().forEach(System::clearProperty);
        namingBefore.forEach((k, v) -> {
            if (v == null) {
                System.clearProperty(k);
            } else {
                System.setProperty(k, v);
            }
        });
        endpoint.reset();
    }

    /** Looks up java:comp/env/jdbc/app and answers with the current database user. */
    public static final class ProbeServlet extends HttpServlet {
        private static final long serialVersionUID = 1L;

        @Override
        @SuppressWarnings("BanJNDI") // the lookup is what this test is about, of a name the test itself bound
        protected void doGet(HttpServletRequest request, HttpServletResponse response) throws IOException {
            try {
                DataSource ds = (DataSource) new InitialContext().lookup("java:comp/env/jdbc/app");
                LOOKED_UP.compareAndSet(null, ds);
                try (Connection c = ds.getConnection();
                        Statement s = c.createStatement();
                        ResultSet rs = s.executeQuery("SELECT current_user")) {
                    rs.next();
                    response.setContentType("text/plain");
                    response.getWriter().print("current_user=" + rs.getString(1));
                }
            } catch (Exception e) {
                response.setStatus(500);
                response.getWriter().print(e);
            }
        }
    }

    @Test
    void aServletQueriesPostgresThroughTheJndiResourceOfTheExampleContextXml_andStoppingTheContextClosesThePool(
            @TempDir Path dir) throws Exception {
        TestDatabase db = TestDatabases.postgres();
        String role = db.createTokenRole("mi_tomcat");
        endpoint.onIssue(token -> db.acceptToken(role, token.accessToken(), token.expiresOn()));
        String clientId = UUID.randomUUID().toString();
        // The example reads these as ${...}: Tomcat resolves system properties (and, with
        // EnvironmentPropertySource, the App Service app settings of the same names).
        System.setProperty("DATABASE_URL", db.jdbcUrl());
        System.setProperty("DATABASE_USERNAME", role);
        System.setProperty("AZURE_CLIENT_ID", clientId);

        Path docBase = Files.createDirectories(dir.resolve("webapp"));
        Files.createDirectories(docBase.resolve("META-INF"));
        Files.copy(
                Path.of("config", "tomcat", "context.xml"),
                docBase.resolve("META-INF").resolve("context.xml"));

        // before the start: creating the resource already registers its token (the prefetch), which the pool claims
        int keysBefore = TokenRegistry.shared().keyCount();
        tomcat = new Tomcat();
        tomcat.setBaseDir(dir.resolve("catalina-base").toString());
        tomcat.setPort(0);
        tomcat.getConnector();
        tomcat.enableNaming();
        tomcat.setAddDefaultWebXmlToWebapp(false);
        tomcat.getHost().setAutoDeploy(false);
        Context context = tomcat.addWebapp("/app", docBase.toString());
        StandardJarScanner scanner = new StandardJarScanner();
        scanner.setScanClassPath(false); // nothing to find there; scanning the test classpath is slow
        scanner.setScanManifest(false);
        context.setJarScanner(scanner);
        Tomcat.addServlet(context, "probe", new ProbeServlet());
        context.addServletMappingDecoded("/probe", "probe");
        tomcat.start();
        int port = tomcat.getConnector().getLocalPort();

        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/app/probe"))
                                .timeout(Duration.ofSeconds(30))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).isEqualTo("current_user=" + role);
        assertThat(endpoint.issuedTokens())
                .singleElement()
                .satisfies(t -> assertThat(t.clientId()).isEqualTo(clientId));
        ManagedIdentityDataSource ds = (ManagedIdentityDataSource) LOOKED_UP.get();
        assertThat(ds.getPoolName()).isEqualTo("app");
        assertThat(ds.getMaximumPoolSize()).isEqualTo(10);
        assertThat(ds.isRunning()).isTrue();
        assertThat(TokenRegistry.shared().keyCount())
                .as("the pool's token registered")
                .isEqualTo(keysBefore + 1);

        context.stop(); // what undeploying or stopping the application does

        assertThat(ds.isClosed()).as("closeMethod=\"close\" closed the pool").isTrue();
        assertThat(TokenRegistry.shared().keyCount())
                .as("the pool's token dropped")
                .isEqualTo(keysBefore);
    }
}
