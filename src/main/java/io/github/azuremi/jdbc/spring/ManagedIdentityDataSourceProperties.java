package io.github.azuremi.jdbc.spring;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.internal.config.IdentitySettings;
import io.github.azuremi.jdbc.internal.config.Setting;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import io.github.azuremi.jdbc.internal.config.SettingSource;
import io.github.azuremi.jdbc.internal.config.Settings;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;

/**
 * This library's settings in Spring Boot, under {@value #PREFIX}: the switch {@code enabled} here, and every setting of
 * {@link ManagedIdentityDataSource} by its kebab-case name (see README, "Settings"), read from the settings catalogue;
 * unset ones keep the library's defaults. Durations take Spring's forms ({@code 30s}, {@code 500ms}, {@code PT30S}; a
 * bare number is milliseconds). HikariCP's own settings stay under {@code spring.datasource.hikari.*}. IDEs learn the
 * properties from {@code META-INF/spring-configuration-metadata.json}, generated from the catalogue.
 */
@ConfigurationProperties(prefix = ManagedIdentityDataSourceProperties.PREFIX)
public class ManagedIdentityDataSourceProperties {

    public static final String PREFIX = Settings.SPRING_PREFIX;

    /** Whether the application's DataSource is a ManagedIdentityDataSource (needs spring.datasource.url). */
    private boolean enabled;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    /**
     * Checks the settings under {@value #PREFIX} (every problem named as Spring spells it, e.g.
     * {@code spring.datasource.azure-managed-identity.token-fetch-timeout}) and sets those given on {@code dataSource}.
     *
     * @throws IllegalArgumentException listing every setting that is wrong and the fix
     */
    static void applyTo(Binder binder, ManagedIdentityDataSource dataSource) {
        Map<String, Setting<?>> given = new LinkedHashMap<>(); // by the name given: a former name is warned about
        SettingSource source = new SettingSource(Surface.SPRING, name -> PREFIX + "." + Setting.kebab(name));
        for (Setting<?> setting : Settings.on(Surface.SPRING)) {
            if (!setting.settableFromText()) {
                continue;
            }
            for (String name : setting.formerName() == null
                    ? List.of(setting.name())
                    : List.of(setting.name(), setting.formerName())) {
                // Spring's ${AZURE_CLIENT_ID:} declares an empty default on purpose ("optional"; without the colon an
                // unset variable already fails in Spring): empty here is unset. Elsewhere (a URL, Properties, JNDI) an
                // empty identity setting is refused.
                binder.bind(source.spelt(name), String.class).ifBound(text -> {
                    if (!text.isBlank()) {
                        given.put(name, setting);
                        source.put(name, text);
                    }
                });
            }
        }
        List<String> problems = new ArrayList<>();
        if (IdentitySettings.check(source, problems) == null) {
            throw new IllegalArgumentException(String.join("; ", problems));
        }
        given.forEach((name, setting) ->
                setting.applyText(dataSource, Setting.kebab(name), source.spelt(name), source.givenText(name)));
    }
}
