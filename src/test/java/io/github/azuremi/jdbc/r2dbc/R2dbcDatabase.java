package io.github.azuremi.jdbc.r2dbc;

import io.github.azuremi.jdbc.testsupport.LocalManagedIdentityEndpoint;
import io.github.azuremi.jdbc.testsupport.TestDatabase;
import io.github.azuremi.jdbc.testsupport.TestDatabases;
import io.github.azuremi.jdbc.testsupport.TestTls;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactory;
import java.io.Closeable;
import java.io.IOException;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import org.junit.jupiter.api.extension.AfterEachCallback;
import org.junit.jupiter.api.extension.BeforeEachCallback;
import org.junit.jupiter.api.extension.ExtensionContext;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * The local PostgreSQL (as Azure Database for PostgreSQL) or MariaDB (as Azure Database for MySQL), for R2DBC tests: a
 * role that logs in only with the token the local managed-identity endpoint issued last to one of this test's
 * identities (the server checks it), URLs of this library's form for it, and the factories to close after the test.
 */
final class R2dbcDatabase implements BeforeEachCallback, AfterEachCallback {

    final LocalManagedIdentityEndpoint endpoint = LocalManagedIdentityEndpoint.shared();
    private final Set<String> clientIds = ConcurrentHashMap.newKeySet();
    private final List<Object> opened = new ArrayList<>();
    private final String driver;
    private final boolean mariadb;
    private String roleName = "mi_r2dbc";
    TestDatabase db;
    String role;

    private R2dbcDatabase(String driver) {
        this.driver = driver;
        this.mariadb = !driver.equals("postgresql");
    }

    static R2dbcDatabase postgres() {
        return new R2dbcDatabase("postgresql");
    }

    /** The local MariaDB through r2dbc-mariadb. */
    static R2dbcDatabase mariadb() {
        return new R2dbcDatabase("mariadb");
    }

    /** The local MariaDB through r2dbc-mysql (io.asyncer), as Azure Database for MySQL. */
    static R2dbcDatabase mysql() {
        return new R2dbcDatabase("mysql");
    }

    /**
     * A role of this test's own: a test that changes the role's password every few seconds (rotation) must not
     * refuse the logins of another test (or another build on this machine) that uses the same server.
     */
    R2dbcDatabase roleNamed(String name) {
        roleName = name;
        return this;
    }

    @Override
    public void beforeEach(ExtensionContext context) {
        endpoint.reset();
        db = mariadb ? TestDatabases.mysql() : TestDatabases.postgres();
        role = db.createTokenRole(roleName);
        endpoint.onIssue(token -> {
            if (clientIds.contains(token.clientId())) {
                db.acceptToken(role, token.accessToken(), token.expiresOn());
            }
        });
    }

    @Override
    public void afterEach(ExtensionContext context) throws IOException {
        for (Object o : opened) {
            if (o instanceof io.r2dbc.pool.ConnectionPool pool) {
                pool.dispose();
                o = pool.unwrap();
            }
            if (o instanceof Closeable c) {
                c.close();
            }
        }
    }

    /** A fresh user-assigned identity (its own token key and MSAL cache) whose tokens the server accepts. */
    String newIdentity() {
        String clientId = UUID.randomUUID().toString();
        clientIds.add(clientId);
        return clientId;
    }

    /** The identity's tokens are no longer accepted by the server. */
    void stopAccepting(String clientId) {
        clientIds.remove(clientId);
    }

    /** {@code r2dbc:<prefix>postgresql://role@host:port/db?...} (or mariadb, mysql): the role and the identity. */
    String url(String prefix, String clientId, String more) {
        String address = db.jdbcUrl().substring(db.jdbcUrl().indexOf("://") + 3);
        int query = address.indexOf('?');
        if (query >= 0) {
            address = address.substring(0, query);
        }
        return "r2dbc:" + prefix + driver + "://" + role + "@" + address
                + "?credential=managed-identity&managedIdentityClientId=" + clientId + more;
    }

    /** With the test CA as the root of verified TLS (the default mode). */
    String verifiedUrl(String prefix, String clientId) {
        String caOption = switch (driver) {
            case "mariadb" -> "&serverSslCert=";
            case "mysql" -> "&sslCa=";
            default -> "&sslRootCert=";
        };
        return url(prefix, clientId, caOption + TestTls.caFile());
    }

    <T extends ConnectionFactory> T closeAfter(T factory) {
        opened.add(factory);
        return factory;
    }

    /** One statement on a connection of {@code factory}, the connection closed after it. */
    static Mono<List<String>> row(ConnectionFactory factory, String sql) {
        return Flux.usingWhen(
                        factory.create(),
                        c -> Flux.from(c.createStatement(sql).execute())
                                .flatMap(result -> result.map((r, meta) -> {
                                    List<String> values = new ArrayList<>();
                                    for (int i = 0;
                                            i < meta.getColumnMetadatas().size();
                                            i++) {
                                        values.add(String.valueOf(r.get(i)));
                                    }
                                    return values;
                                })),
                        Connection::close)
                .collectList() // the whole result read before the connection goes back
                .map(rows -> rows.get(0));
    }
}
