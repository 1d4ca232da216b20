package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.ApplicationContextInitializer;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.util.ClassUtils;

/**
 * Starts fetching the data source's first token as soon as Spring Boot has prepared the environment, before the
 * context's beans are even defined, so that the request (and azure-identity's first use) runs while the context is
 * built instead of when the pool opens its first connection. The pool that {@link
 * ManagedIdentityDataSourceAutoConfiguration} makes later claims that token.
 *
 * <p>Why an {@code ApplicationContextInitializer}: it is the earliest hook that sees the final environment (every
 * {@code EnvironmentPostProcessor}, including those that add property sources late, has run) and it is the same
 * interface of Spring Framework in Boot 3.5 and 4.x (Boot 4 moved {@code EnvironmentPostProcessor} to another
 * package). A {@code BeanFactoryPostProcessor} would run only after the bean definitions are loaded, later.
 *
 * <p>It acts only under the auto-configuration's own conditions ({@code spring.datasource.url} set and our switch or
 * {@code spring.datasource.type}, Spring JDBC present), never during AOT processing, and only for a configuration
 * the pool's start accepts: anything else is left to that start, which reports it as before. A token no pool claims
 * is dropped after two minutes, or when the context closes.
 */
final class ManagedIdentityTokenPrefetch implements ApplicationContextInitializer<ConfigurableApplicationContext> {

    @Override
    public void initialize(ConfigurableApplicationContext context) {
        ConfigurableEnvironment environment = context.getEnvironment();
        if (!requested(environment)
                || Boolean.getBoolean("spring.aot.processing")
                || !ClassUtils.isPresent(
                        "org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType",
                        context.getClassLoader())) {
            return;
        }
        ManagedIdentityDataSource ahead;
        try {
            ahead = ManagedIdentityDataSourceAutoConfiguration.configured(Binder.get(environment));
        } catch (RuntimeException e) {
            return; // a setting that cannot be bound: the auto-configuration reports it, as before
        }
        ahead.prefetchToken();
        context.addApplicationListener(event -> {
            if (event instanceof ContextClosedEvent closed && closed.getApplicationContext() == context) {
                ahead.close(); // never started: this only gives up a token that no pool claimed
            }
        });
    }

    /** The auto-configuration's conditions on properties: a URL, and our switch or our type. */
    static boolean requested(ConfigurableEnvironment environment) {
        String url = environment.getProperty("spring.datasource.url");
        return url != null
                && !url.isBlank()
                && ("true"
                                .equalsIgnoreCase(environment.getProperty(
                                        ManagedIdentityDataSourceProperties.PREFIX + ".enabled"))
                        || ManagedIdentityDataSource.class
                                .getName()
                                .equals(environment.getProperty("spring.datasource.type")));
    }
}
