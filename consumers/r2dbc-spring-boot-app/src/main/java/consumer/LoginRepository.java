package consumer;

import consumer.R2dbcCheck.Login;
import org.springframework.data.r2dbc.repository.Query;
import org.springframework.data.repository.Repository;
import reactor.core.publisher.Mono;

/** A Spring Data R2DBC repository: who the pool's connection logged in as, per database. */
interface LoginRepository extends Repository<Login, String> {

  @Query(R2dbcCheck.POSTGRESQL)
  Mono<Login> postgresql();

  @Query(R2dbcCheck.MYSQL)
  Mono<Login> mariadb();
}
