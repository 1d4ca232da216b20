package io.github.azuremi.jdbc.internal.r2dbc;

import io.github.azuremi.jdbc.internal.config.SettingNames;
import io.github.azuremi.jdbc.internal.plugin.PluginSettings;
import io.r2dbc.spi.ConnectionFactoryOptions;
import io.r2dbc.spi.Option;
import java.util.List;
import java.util.Properties;

/**
 * This library's settings among R2DBC options: the same names (and {@code azure.*} aliases) as the JDBC plugins',
 * read and checked by the same reader ({@link PluginSettings}), so that a URL's query works the same in
 * {@code jdbc:} and {@code r2dbc:} form. R2DBC options can only be asked for by name, so each name the catalogue
 * reads or refuses is looked up; a password is refused as in the plugins (the token is the password).
 */
final class R2dbcSettings {

    /** Where the settings come from, for messages. */
    static final String WHERE = "the R2DBC URL or options";

    private static final List<Option<Object>> NAMES =
            SettingNames.readOrRefused().stream().map(Option::valueOf).toList();

    private R2dbcSettings() {}

    /** @throws IllegalArgumentException naming every setting that is wrong and the fix */
    static PluginSettings read(ConnectionFactoryOptions options) {
        Properties given = new Properties();
        for (Option<Object> name : NAMES) {
            Object value = options.getValue(name);
            if (value != null) {
                given.setProperty(name.name(), value.toString());
            }
        }
        Object password = options.getValue(ConnectionFactoryOptions.PASSWORD);
        if (password != null) {
            given.setProperty("password", "(set)"); // never the value: the reader only asks whether one is set
        }
        return PluginSettings.read(given, WHERE);
    }
}
