package io.github.azuremi.jdbc.credential;

import io.github.azuremi.jdbc.ManagedIdentityDataSource;
import java.sql.Connection;
import java.sql.ResultSet;
import java.sql.Statement;

/**
 * A user's first try in a given environment: a {@code ManagedIdentityDataSource} with the credential type given,
 * one query. Arguments: jdbcUrl, role, credential, managedIdentityClientId or "-". Prints {@code LOGIN OK user=<role>}
 * or {@code LOGIN FAILED after <ms> ms: <messages of the cause chain>}; exits 0 either way.
 */
public final class ManagedIdentityLoginMain {

    public static void main(String[] args) {
        long start = System.nanoTime();
        try (ManagedIdentityDataSource ds = new ManagedIdentityDataSource()) {
            ds.setJdbcUrl(args[0]);
            ds.setUsername(args[1]);
            ds.setCredential(args[2]);
            if (!"-".equals(args[3])) {
                ds.setManagedIdentityClientId(args[3]);
            }
            ds.setTokenFetchTimeout(15_000);
            try (Connection c = ds.getConnection();
                    Statement s = c.createStatement();
                    ResultSet rs = s.executeQuery("SELECT current_user")) {
                rs.next();
                System.out.println("LOGIN OK user=" + rs.getString(1));
            }
        } catch (Exception e) {
            StringBuilder messages = new StringBuilder();
            for (Throwable t = e; t != null; t = t.getCause()) {
                messages.append(" | ")
                        .append(t.getClass().getName())
                        .append(": ")
                        .append(t.getMessage());
            }
            System.out.println("LOGIN FAILED after " + (System.nanoTime() - start) / 1_000_000 + " ms:" + messages);
        }
        System.exit(0);
    }
}
