package io.github.azuremi.jdbc.testsupport;

import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Set;

/** Edits the query part of JDBC URLs: the admin URLs carry credentials, the application URLs must not. */
final class JdbcUrls {

    private static final Set<String> CREDENTIAL_PARAMETERS = Set.of("user", "password");

    private JdbcUrls() {}

    static String withoutCredentials(String url) {
        int query = url.indexOf('?');
        if (query < 0) {
            return url;
        }
        List<String> kept = new ArrayList<>();
        for (String parameter : url.substring(query + 1).split("&")) {
            if (!parameter.isEmpty() && !CREDENTIAL_PARAMETERS.contains(name(parameter))) {
                kept.add(parameter);
            }
        }
        return url.substring(0, query) + (kept.isEmpty() ? "" : "?" + String.join("&", kept));
    }

    static boolean hasParameter(String url, String parameterName) {
        int query = url.indexOf('?');
        if (query < 0) {
            return false;
        }
        for (String parameter : url.substring(query + 1).split("&")) {
            if (name(parameter).equals(parameterName.toLowerCase(Locale.ROOT))) {
                return true;
            }
        }
        return false;
    }

    static String withParameter(String url, String name, String value) {
        return url + (url.indexOf('?') < 0 ? "?" : "&") + name + "=" + value;
    }

    private static String name(String parameter) {
        int eq = parameter.indexOf('=');
        return (eq < 0 ? parameter : parameter.substring(0, eq)).toLowerCase(Locale.ROOT);
    }
}
