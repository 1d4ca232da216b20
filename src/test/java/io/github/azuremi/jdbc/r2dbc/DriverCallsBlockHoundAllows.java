package io.github.azuremi.jdbc.r2dbc;

import reactor.blockhound.BlockHound;
import reactor.blockhound.integration.BlockHoundIntegration;

/**
 * Blocking calls of the drivers themselves that BlockHound would report on their event loops, allowed one by one so
 * that every other report (the library's above all) still fails the test. Loaded by BlockHound through
 * {@code META-INF/services}.
 *
 * <ul>
 *   <li>r2dbc-postgresql's SCRAM login (through com.ongres.scram) draws its client nonce from {@code SecureRandom},
 *       which reads {@code /dev/urandom} with a file read; the local PostgreSQL asks for SCRAM, while Azure's
 *       token logins are cleartext over TLS. The driver's, not the library's, and /dev/urandom does not block.</li>
 *   <li>r2dbc-postgresql builds the SSL context of every connection on the event loop when it adds its SSL handler
 *       (reading the {@code sslRootCert} file and seeding {@code SecureRandom}). Nothing of the library runs inside
 *       it: the password (the token) is asked for later, in the startup flow, which stays watched.</li>
 *   <li>r2dbc-mariadb looks its authentication plugins up with {@code ServiceLoader} on the event loop, at every
 *       login (reading jar files), reads its version resource when it first writes a handshake, and builds the SSL
 *       context of every connection there (as r2dbc-postgresql). The library hands it the token before the
 *       connection starts.</li>
 *   <li>r2dbc-mysql (io.asyncer) builds the SSL context of every connection on the event loop when the server
 *       agrees to TLS (reading the {@code sslCa} file, as the others). The library hands it the token (through its
 *       password publisher) before the connection starts.</li>
 * </ul>
 */
public final class DriverCallsBlockHoundAllows implements BlockHoundIntegration {

    @Override
    public void applyTo(BlockHound.Builder builder) {
        builder.allowBlockingCallsInside("com.ongres.scram.common.ScramFunctions", "nonce");
        builder.allowBlockingCallsInside("io.r2dbc.postgresql.client.ReactorNettyClient", "registerSslHandler");
        builder.allowBlockingCallsInside("org.mariadb.r2dbc.authentication.AuthenticationFlowPluginLoader", "get");
        builder.allowBlockingCallsInside("org.mariadb.r2dbc.util.VersionFactory$VersionFactoryHolder", "<clinit>");
        builder.allowBlockingCallsInside("org.mariadb.r2dbc.util.SslConfig", "getSslContext");
        builder.allowBlockingCallsInside("io.asyncer.r2dbc.mysql.client.SslBridgeHandler", "handleSslState");
    }
}
