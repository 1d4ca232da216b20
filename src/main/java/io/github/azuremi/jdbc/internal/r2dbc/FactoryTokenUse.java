package io.github.azuremi.jdbc.internal.r2dbc;

/**
 * What one R2DBC factory holds of its identity's shared token: the lease (released when idle), the listeners told of its requests, and the
 * identity as a metric tag (the client id or the credential type; never a secret).
 */
record FactoryTokenUse(FactoryLease lease, TokenListenerFanout listeners, String identityTag) {}
