package consumer;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.micrometer.core.instrument.MeterRegistry;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Profile;

/** The plain bean of docs/spring-boot.md, as written there: spring.datasource.* read, spring.datasource.hikari.* bound. */
@Configuration(proxyBeanMethods = false)
@Profile("plain-bean")
class PlainBeanConfiguration {

  static volatile boolean used;

  @Bean
  @ConfigurationProperties("spring.datasource.hikari")          // pool settings, as for Boot's own pool
  ManagedIdentityDataSource dataSource(@Value("${spring.datasource.url}") String url,
                                       @Value("${spring.datasource.username}") String username,
                                       ObjectProvider<MeterRegistry> meterRegistry) {
    var ds = new ManagedIdentityDataSource();
    ds.setJdbcUrl(url);
    ds.setUsername(username);
    ds.setCredential("managed-identity");
    ds.setManagedIdentityClientId(System.getenv("AZURE_CLIENT_ID")); // null: system-assigned identity
    meterRegistry.ifAvailable(ds::setMeterRegistry);                 // token and pool metrics
    used = true;
    return ds;
  }
}
