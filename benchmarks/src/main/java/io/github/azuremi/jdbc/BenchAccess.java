package io.github.azuremi.jdbc;

import io.github.azuremi.jdbc.internal.token.TokenRegistry;

/**
 * The one package-private hook the benchmarks need: give a pool its own {@link TokenRegistry}, so that each
 * benchmark (and each stampede invocation) starts from a registry of its own instead of the process-wide one.
 */
public final class BenchAccess {

  private BenchAccess() {}

  public static void setTokenRegistry(ManagedIdentityDataSource dataSource, TokenRegistry registry) {
    dataSource.setTokenRegistry(registry);
  }
}
