package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.internal.r2dbc.TokenLoginConnectionFactory;
import io.r2dbc.spi.ConnectionFactory;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.BeanNameAware;
import org.springframework.beans.factory.DisposableBean;
import org.springframework.beans.factory.ListableBeanFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.SmartInitializingSingleton;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;

/**
 * The application's R2DBC connection factories that log in with this library (found under r2dbc-pool, Boot's options
 * wrapper and r2dbc-proxy), by bean name: their token health, their token metrics in the application's
 * {@code MeterRegistry}, and their release when the context closes (a pool does not close the factory below it, which
 * would otherwise keep its token refreshing after the application stopped). Loaded only with R2DBC on the classpath.
 */
final class R2dbcTokenFactories implements SmartInitializingSingleton, DisposableBean, BeanNameAware {

    private static final Logger LOG = LoggerFactory.getLogger(R2dbcTokenFactories.class);

    /** The application's Micrometer {@code MeterRegistry} or null, typed so that Micrometer stays optional here. */
    @FunctionalInterface
    interface MeterRegistrySource extends Supplier<Object> {}

    private final ListableBeanFactory beans;
    private final ObjectProvider<MeterRegistrySource> meterRegistry;
    private final List<AutoCloseable> metrics = new ArrayList<>();
    private final List<TokenLoginConnectionFactory> bound = new ArrayList<>();
    private String beanName;

    R2dbcTokenFactories(ListableBeanFactory beans, ObjectProvider<MeterRegistrySource> meterRegistry) {
        this.beans = beans;
        this.meterRegistry = meterRegistry;
    }

    @Override
    public void setBeanName(String name) {
        this.beanName = name;
    }

    /** Ours among the connection factory beans, by bean name; read again at every call. */
    Map<String, TokenLoginConnectionFactory> ours() {
        Map<String, TokenLoginConnectionFactory> ours = new LinkedHashMap<>();
        beans.getBeansOfType(ConnectionFactory.class).forEach((name, factory) -> {
            TokenLoginConnectionFactory found = TokenLoginConnectionFactory.find(factory);
            if (found != null) {
                ours.put(name, found);
            }
        });
        return ours;
    }

    /** For {@link TokenHealth}: each of ours by bean name. */
    Stream<TokenHealth.Pool> pools() {
        return ours().entrySet().stream()
                .map(e -> new TokenHealth.Pool(
                        e.getKey(), e.getValue().tokenStatus(), e.getValue().tokenDescription()));
    }

    @Override
    public synchronized void afterSingletonsInstantiated() {
        MeterRegistrySource source = meterRegistry.getIfAvailable();
        Object registry = source == null ? null : source.get();
        ours().forEach((name, factory) -> {
            bound.add(factory);
            if (beans instanceof ConfigurableBeanFactory configurable && beanName != null) {
                // the connection factory bean (a pool) is destroyed before this, which then releases the token
                configurable.registerDependentBean(beanName, name);
            }
            if (registry != null) {
                metrics.add(factory.registerTokenMetrics(registry, name));
            }
        });
    }

    @Override
    public synchronized void destroy() {
        for (AutoCloseable m : metrics) {
            try {
                m.close();
            } catch (Exception e) {
                LOG.debug("could not remove the R2DBC token metrics", e);
            }
        }
        metrics.clear();
        bound.forEach(TokenLoginConnectionFactory::close);
        bound.clear();
    }
}
