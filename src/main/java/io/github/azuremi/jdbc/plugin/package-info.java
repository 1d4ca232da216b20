/**
 * Driver-level plugins for applications that never construct their pool (Spring Boot, Quarkus and Micronaut from
 * properties, Flyway, Liquibase, Tomcat's JDBC pool, DBCP2, {@code DriverManager}, database tools): the JDBC URL
 * names the plugin (for SQL Server: the prefix {@code jdbc:azuremi:sqlserver:} of {@link SqlServerTokenDriver}), and
 * every login takes its password (PostgreSQL, MySQL) or access token (SQL Server) from the same process-wide token
 * cache as {@link io.github.azuremi.jdbc.ManagedIdentityDataSource}. README's "With any pool or framework" lists what
 * a plugin can and cannot do compared with the data source.
 */
package io.github.azuremi.jdbc.plugin;
