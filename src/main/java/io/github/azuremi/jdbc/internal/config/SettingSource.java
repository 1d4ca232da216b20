package io.github.azuremi.jdbc.internal.config;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import io.github.azuremi.jdbc.internal.config.Setting.Surface;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.function.UnaryOperator;

/**
 * What one source gave: the text (or, from a data source's typed setters, the value) of each setting, under the name
 * it was given as, and how that source spells a name in a message ({@code --client-id},
 * {@code spring.datasource.azure-managed-identity.token-fetch-timeout}, {@code managedIdentityClientId}). Read by
 * {@link IdentitySettings#check}.
 */
public final class SettingSource {

    private final Surface surface;
    private final UnaryOperator<String> spelling;
    private final Map<String, Object> given = new LinkedHashMap<>();
    private final List<String> notes = new java.util.ArrayList<>();

    /**
     * @param spelling from a name as {@link Settings} knows it (or an alias) to the name as the user wrote it
     */
    public SettingSource(Surface surface, UnaryOperator<String> spelling) {
        this.surface = surface;
        this.spelling = spelling;
    }

    /** Names are spelt as they are declared. */
    public SettingSource(Surface surface) {
        this(surface, UnaryOperator.identity());
    }

    /** The settings of a data source, as its getters report them, named as its setters are. */
    public static SettingSource of(ManagedIdentityDataSource dataSource) {
        SettingSource source = new SettingSource(Surface.DATA_SOURCE);
        for (Setting<?> setting : Settings.on(Surface.DATA_SOURCE)) {
            source.put(setting.name(), setting.valueOn(dataSource));
        }
        return source;
    }

    /**
     * Records {@code value} (a text, or a value of the setting's type) under {@code name}, a name or alias of a
     * setting this surface accepts; null values are left out.
     */
    public SettingSource put(String name, Object value) {
        if (value != null) {
            given.put(name, value);
        }
        return this;
    }

    /** How this source spells {@code name} in a message. */
    public String spelt(String name) {
        return spelling.apply(name);
    }

    /** The text given for {@code name}, or null. */
    public String givenText(String name) {
        return given(name);
    }

    /** The text given for {@code name} (for a message), or null. */
    String given(String name) {
        Object v = given.get(name);
        return v == null ? null : v.toString();
    }

    /**
     * The value of {@code setting} from its name or any of its aliases, parsed and checked; null when it is unset or
     * wrong (then {@code problems} says why, naming the setting as this source spells it).
     */
    <T> T value(Setting<T> setting, List<String> problems) {
        T result = null;
        String resultName = null;
        int before = problems.size();
        for (String name : names(setting)) {
            Object raw = given.get(name);
            if (raw == null || raw instanceof String text && text.isBlank() && setting.blankIsUnset()) {
                continue;
            }
            T v;
            try {
                v = raw instanceof String text
                        ? setting.parse(name, spelt(name), text)
                        : setting.type().cast(raw);
            } catch (IllegalArgumentException e) {
                problems.add(e.getMessage());
                continue;
            }
            if (result != null && !setting.same(result, v)) {
                problems.add(spelt(resultName) + "=" + SettingValues.shown(given(resultName)) + " and " + spelt(name)
                        + "=" + SettingValues.shown(given(name)) + " differ; keep one of them");
                return null;
            }
            if (result == null) {
                result = v;
                resultName = name;
            }
            if (setting.isFormerName(name)) {
                notes.add(Setting.formerNameNote(spelt(name), spelt(setting.name())));
            }
        }
        if (result == null || problems.size() > before) {
            return null;
        }
        String problem = setting.problem(spelt(resultName), result);
        if (problem != null) {
            problems.add(problem);
            return null;
        }
        return result;
    }

    /** What a reader should still be told although nothing is wrong: a former name was used. */
    List<String> notes() {
        return notes;
    }

    private List<String> names(Setting<?> setting) {
        List<String> names = new java.util.ArrayList<>();
        names.add(setting.name());
        if (surface == Surface.PLUGIN) {
            setting.aliases().forEach(a -> names.add(a.name()));
        }
        if (setting.formerName() != null) {
            names.add(setting.formerName());
        }
        return names;
    }
}
