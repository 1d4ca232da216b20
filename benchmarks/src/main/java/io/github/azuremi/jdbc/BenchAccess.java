package io.github.azuremi.jdbc;

import io.github.azuremi.jdbc.internal.token.TokenRegistry;

/**
 * The one package-private hook the benchmarks need: give a pool its own {@link TokenRegistry}, so that each
 * benchmark (and each stampede invocation) starts from a cache of its own instead of the process-wide one.
 */
public final class BenchAccess {

  private BenchAccess() {}

  public static void setTokenCache(ManagedIdentityDataSource dataSource, TokenRegistry cache) {
    dataSource.setTokenCache(cache);
  }
}
