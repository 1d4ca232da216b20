/**
 * Reactive applications (R2DBC): connection factories whose every new connection logs in with the identity's current
 * Entra access token, from the same process-wide token cache as the JDBC data source and plugins, without ever
 * blocking a Reactor or Netty thread. Reached through R2DBC's own discovery: {@code r2dbc:azuremi:postgresql://...}.
 */
package io.github.azuremi.jdbc.r2dbc;
