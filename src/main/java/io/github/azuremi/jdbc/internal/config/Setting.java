package io.github.azuremi.jdbc.internal.config;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.time.Duration;
import java.util.ArrayList;
import java.util.EnumSet;
import java.util.List;
import java.util.Locale;
import java.util.Objects;
import java.util.Set;
import java.util.function.BiConsumer;
import java.util.function.Function;
import java.util.function.ObjLongConsumer;
import java.util.function.ToLongFunction;

/**
 * One setting, declared once in {@link Settings}: its name, the other names it answers to, its type and default
 * (with the reason for it), its bounds, how its text is parsed and checked, a one-line description, and the
 * surfaces that accept it. Every surface reads it through this declaration; README's tables and Spring Boot's
 * configuration metadata are checked against it or generated from it.
 *
 * @param <T> the type of the resolved value
 */
public final class Setting<T> {

    private static final org.slf4j.Logger LOG = org.slf4j.LoggerFactory.getLogger(Setting.class);

    /** Where a setting can be given. */
    public enum Surface {
        /** {@link ManagedIdentityDataSource}: its setters, its {@code Properties} constructor and the JNDI factory. */
        DATA_SOURCE,
        /** Spring Boot: {@code spring.datasource.azure-managed-identity.*}. */
        SPRING,
        /** The driver plugins: JDBC URL and driver properties, and mssql-jdbc's callback ({@code -Dazuremi.*}). */
        PLUGIN,
        /** The {@code check} command's options. */
        CLI
    }

    /** How a text becomes a value; throws an {@link IllegalArgumentException} naming {@code spelt}. */
    @FunctionalInterface
    public interface Parser<T> {
        T parse(String spelt, String text);
    }

    /** Null when {@code value} is acceptable, else the message (naming {@code spelt} and the fix). */
    @FunctionalInterface
    public interface Check<T> {
        String problem(String spelt, T value);
    }

    /** Another name of the same setting (azure-identity-extensions' {@code azure.*}), with its own unit if any. */
    public static final class Alias<T> {
        private final String name;
        private final Parser<T> parser;

        Alias(String name, Parser<T> parser) {
            this.name = name;
            this.parser = parser;
        }

        public String name() {
            return name;
        }
    }

    private final String name;
    private final Class<T> type;
    private final T defaultValue;
    private final String defaultText;
    private final String reason;
    private final String bounds;
    private final String description;
    private final Set<Surface> surfaces;
    private final Parser<T> parser;
    private final Check<T> check;
    private final List<Alias<T>> aliases;
    private final String cliFlag;
    private final String formerName;
    private final boolean blankIsUnset;
    private final boolean keptAsText;
    private final Function<ManagedIdentityDataSource, Object> getter;
    private final BiConsumer<ManagedIdentityDataSource, Object> setter;

    private Setting(Builder<T> b) {
        this.name = b.name;
        this.type = b.type;
        this.defaultValue = b.defaultValue;
        this.defaultText = b.defaultText;
        this.reason = b.reason;
        this.bounds = b.bounds;
        this.description = Objects.requireNonNull(b.description, "description of " + b.name);
        this.surfaces = Set.copyOf(b.surfaces);
        this.parser = Objects.requireNonNull(b.parser, "parser of " + b.name);
        this.check = b.check;
        this.aliases = List.copyOf(b.aliases);
        this.cliFlag = b.cliFlag;
        this.formerName = b.formerName;
        this.blankIsUnset = b.blankIsUnset;
        this.keptAsText = b.keptAsText;
        this.getter = b.getter;
        this.setter = b.setter;
    }

    static <T> Builder<T> of(String name, Class<T> type) {
        return new Builder<>(name, type);
    }

    public String name() {
        return name;
    }

    public Class<T> type() {
        return type;
    }

    /** The value when unset; null when there is none (an unset identity, a scope derived from the URL). */
    public T defaultValue() {
        return defaultValue;
    }

    /** The default as README writes it: {@code `0.5`}, {@code `30000` ms}, {@code unset}, {@code from the URL}. */
    public String defaultText() {
        return defaultText;
    }

    /** Why the default is what it is; null when it needs no reason. */
    public String reason() {
        return reason;
    }

    /** The allowed range in words (enforced by {@code TokenSettings.checked}); null when any parsed value will do. */
    public String bounds() {
        return bounds;
    }

    public String description() {
        return description;
    }

    public boolean acceptedOn(Surface surface) {
        return surfaces.contains(surface);
    }

    public List<Alias<T>> aliases() {
        return aliases;
    }

    /**
     * The name this setting had before (accepted on every surface this setting is on, with a warning that names the
     * new one), or null. Nothing has been released under a former name; it stays for one release.
     */
    public String formerName() {
        return formerName;
    }

    /** Whether {@code writtenAs} is this setting's former name. */
    boolean isFormerName(String writtenAs) {
        return formerName != null
                && (formerName.equals(writtenAs) || kebab(formerName).equals(writtenAs));
    }

    /** What a user who wrote the former name is told: {@code spelt} is that name, {@code now} the current one. */
    static String formerNameNote(String spelt, String now) {
        return spelt + " is the former name of " + now + ", which it still sets for this release; rename it to " + now;
    }

    /** The {@code check} option, or null when the command has none. */
    public String cliFlag() {
        return cliFlag;
    }

    /** The name under {@code spring.datasource.azure-managed-identity.}: {@code tokenFetchTimeout -> token-fetch-timeout}. */
    public String springName() {
        return kebab(name);
    }

    /** {@code tokenFetchTimeout -> token-fetch-timeout}: how Spring Boot's properties spell a bean name. */
    public static String kebab(String beanName) {
        return beanName.replaceAll("([a-z0-9])([A-Z])", "$1-$2").toLowerCase(Locale.ROOT);
    }

    /** A blank text means "unset" (true), or is a mistake the check reports (false: the identity settings). */
    boolean blankIsUnset() {
        return blankIsUnset;
    }

    /** Parses {@code text} given under {@code writtenAs} (this name or an alias), naming it {@code spelt}. */
    T parse(String writtenAs, String spelt, String text) {
        for (Alias<T> alias : aliases) {
            if (alias.name.equals(writtenAs)) {
                return (alias.parser != null ? alias.parser : parser).parse(spelt, text);
            }
        }
        return parser.parse(spelt, text);
    }

    String problem(String spelt, T value) {
        return check == null ? null : check.problem(spelt, value);
    }

    /** Two values given under two names agree (client ids differ in case only, say). */
    boolean same(T a, T b) {
        return a instanceof String s ? s.equalsIgnoreCase((String) b) : Objects.equals(a, b);
    }

    /** Whether the data source takes it as text ({@code Properties}, JNDI, Spring); false for code-only settings. */
    public boolean settableFromText() {
        return setter != null;
    }

    /** The value of this setting on a data source, as its getter reports it (text or typed); null when unset. */
    public Object valueOn(ManagedIdentityDataSource dataSource) {
        return getter == null ? null : getter.apply(dataSource);
    }

    /** Sets {@code text} given under {@code spelt} on a data source, parsed unless the data source keeps text. */
    public void applyText(ManagedIdentityDataSource dataSource, String spelt, String text) {
        if (setter == null) {
            throw new IllegalArgumentException(spelt + " cannot be set from text (only in code)");
        }
        setter.accept(dataSource, keptAsText ? text : parse(name, spelt, text));
    }

    /**
     * {@link #applyText}, given under {@code writtenAs} (a name or a former name, as a bean or in Spring's kebab case)
     * and spelt {@code spelt} in messages; a former name is logged at WARN with the name to use.
     */
    public void applyText(ManagedIdentityDataSource dataSource, String writtenAs, String spelt, String text) {
        applyText(dataSource, spelt, text);
        if (isFormerName(writtenAs)) {
            String now = writtenAs.equals(formerName) ? name : springName();
            LOG.warn("{}", formerNameNote(spelt, spelt.replace(writtenAs, now)));
        }
    }

    @Override
    public String toString() {
        return name;
    }

    /** Declares a setting; see {@link Settings}. */
    static final class Builder<T> {
        private final String name;
        private final Class<T> type;
        private T defaultValue;
        private String defaultText = "unset";
        private String reason;
        private String bounds;
        private String description;
        private final Set<Surface> surfaces = EnumSet.noneOf(Surface.class);
        private Parser<T> parser;
        private Check<T> check;
        private final List<Alias<T>> aliases = new ArrayList<>();
        private String cliFlag;
        private String formerName;
        private boolean blankIsUnset = true;
        private boolean keptAsText;
        private Function<ManagedIdentityDataSource, Object> getter;
        private BiConsumer<ManagedIdentityDataSource, Object> setter;

        private Builder(String name, Class<T> type) {
            this.name = name;
            this.type = type;
        }

        Builder<T> byDefault(T value, String text) {
            this.defaultValue = value;
            this.defaultText = text;
            return this;
        }

        Builder<T> defaultText(String text) {
            this.defaultText = text;
            return this;
        }

        Builder<T> because(String why) {
            this.reason = why;
            return this;
        }

        Builder<T> bounds(String words) {
            this.bounds = words;
            return this;
        }

        Builder<T> doc(String oneLine) {
            this.description = oneLine;
            return this;
        }

        Builder<T> on(Surface first, Surface... more) {
            surfaces.add(first);
            surfaces.addAll(List.of(more));
            return this;
        }

        Builder<T> parser(Parser<T> p) {
            this.parser = p;
            return this;
        }

        Builder<T> check(Check<T> c) {
            this.check = c;
            return this;
        }

        Builder<T> alias(String aliasName) {
            aliases.add(new Alias<>(aliasName, null));
            return this;
        }

        Builder<T> alias(String aliasName, Parser<T> ownParser) {
            aliases.add(new Alias<>(aliasName, ownParser));
            return this;
        }

        /** The name this setting had before; see {@link Setting#formerName()}. */
        Builder<T> formerly(String oldName) {
            this.formerName = oldName;
            return this;
        }

        Builder<T> cli(String flag) {
            this.cliFlag = flag;
            return this;
        }

        /** A blank value is a mistake (an unset {@code ${VAR}}), not "unset". */
        Builder<T> blankIsAMistake() {
            this.blankIsUnset = false;
            return this;
        }

        /** The data source's getter and setter, in the types of its public API. */
        @SuppressWarnings("unchecked")
        <B> Builder<T> bean(
                Function<ManagedIdentityDataSource, B> get,
                BiConsumer<ManagedIdentityDataSource, B> set,
                Class<B> beanType) {
            this.keptAsText = beanType == String.class;
            this.getter = (Function<ManagedIdentityDataSource, Object>) get;
            this.setter = (ds, v) -> set.accept(ds, beanType.cast(v));
            return this;
        }

        /** A duration in milliseconds on the data source ({@code long} getter and setter, as HikariCP's). */
        @SuppressWarnings("unchecked")
        Builder<T> beanMillis(
                ToLongFunction<ManagedIdentityDataSource> get, ObjLongConsumer<ManagedIdentityDataSource> set) {
            this.getter = ds -> Duration.ofMillis(get.applyAsLong(ds));
            this.setter = (ds, v) -> set.accept(ds, ((Duration) v).toMillis());
            return this;
        }

        Setting<T> build() {
            return new Setting<>(this);
        }
    }
}
