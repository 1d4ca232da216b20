package consumer;

import consumer.R2dbcCheck.Login;
import io.r2dbc.pool.ConnectionPool;
import io.r2dbc.spi.Connection;
import io.r2dbc.spi.ConnectionFactories;
import io.r2dbc.spi.ConnectionFactory;
import io.r2dbc.spi.Wrapped;
import java.time.Duration;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;

/**
 * A plain Reactor application: one URL, {@code ConnectionFactories.get}, r2dbc-pool named in it ({@code r2dbc:pool:}),
 * nothing else. Argument: postgresql or mariadb; the URL's host, role and identity come from the environment.
 */
public final class Main {

  public static void main(String[] args) throws Exception {
    String database = args[0];
    String user = System.getenv("DATABASE_USERNAME");
    // Azure: r2dbc:pool:azuremi:postgresql://<role>@<server>.postgres.database.azure.com:5432/<database>
    //   ?managedIdentityClientId=<id> (verified TLS by default, the JDK trust store)
    String url = "r2dbc:pool:azuremi:" + database + "://" + user + "@localhost:"
        + (database.equals("postgresql") ? 5432 : 3306) + "/test?credential=managed-identity&managedIdentityClientId="
        + System.getenv("AZURE_CLIENT_ID") + "&initialSize=1&maxSize=2&maxLifeTime=PT2S";
    ConnectionFactory factory = ConnectionFactories.get(url);
    String sql = R2dbcCheck.sql(database);
    Duration timeout = Duration.ofSeconds(60);
    try {
      System.out.println(R2dbcCheck.run("reactor/" + database, () -> login(factory, sql).block(timeout), user,
          "factories " + factory.getClass().getSimpleName() + " > "
              + ((Wrapped<?>) factory).unwrap().getClass().getSimpleName() + "; Reactor only"));
    } finally {
      ((ConnectionPool) factory).disposeLater().block(timeout);
    }
  }

  /** One connection of the pool: the query's row, read before the connection goes back. */
  private static Mono<Login> login(ConnectionFactory factory, String sql) {
    return Flux.usingWhen(factory.create(),
            c -> Flux.from(c.createStatement(sql).execute()).flatMap(result -> result.map((row, meta) -> new Login(
                row.get("login_user", String.class), row.get("session", String.class), row.get("tls", String.class)))),
            Connection::close)
        .collectList()
        .map(rows -> rows.get(0));
  }
}
