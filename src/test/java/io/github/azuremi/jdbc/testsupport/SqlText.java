package io.github.azuremi.jdbc.testsupport;

import java.util.regex.Pattern;

/** Quoting for the DDL the test databases run, where JDBC parameters cannot be used. */
final class SqlText {

    private static final Pattern ROLE_NAME = Pattern.compile("[a-z_][a-z0-9_]{0,31}");

    private SqlText() {}

    /** Role names are plain lower-case identifiers, so they mean the same unquoted, quoted, and in a JDBC URL. */
    static String requireRoleName(String name) {
        if (name == null || !ROLE_NAME.matcher(name).matches()) {
            throw new IllegalArgumentException("role names must match " + ROLE_NAME + ": " + name);
        }
        return name;
    }

    /** A PostgreSQL identifier in double quotes. */
    static String pgIdentifier(String name) {
        return '"' + name.replace("\"", "\"\"") + '"';
    }

    /**
     * A PostgreSQL string literal in E'' form, whose escaping does not depend on standard_conforming_strings.
     */
    static String pgLiteral(String value) {
        requireNoNul(value);
        return "E'" + value.replace("\\", "\\\\").replace("'", "''") + "'";
    }

    /**
     * A MySQL/MariaDB string literal. Backslashes are refused rather than escaped: whether {@code \\} means
     * one or two of them depends on the server's NO_BACKSLASH_ESCAPES mode.
     */
    static String mysqlLiteral(String value) {
        requireNoNul(value);
        if (value.indexOf('\\') >= 0) {
            throw new IllegalArgumentException("backslashes are not supported in MySQL literals here");
        }
        return "'" + value.replace("'", "''") + "'";
    }

    /** A MySQL identifier in backquotes. */
    static String mysqlIdentifier(String name) {
        return '`' + name.replace("`", "``") + '`';
    }

    private static void requireNoNul(String value) {
        if (value.indexOf('\0') >= 0) {
            throw new IllegalArgumentException("NUL characters cannot appear in SQL literals");
        }
    }
}
