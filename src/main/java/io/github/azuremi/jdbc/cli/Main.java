package io.github.azuremi.jdbc.cli;

import io.github.azuremi.jdbc.internal.cli.CheckCommand;
import java.io.PrintStream;
import java.util.Arrays;

/**
 * The command line of the library: {@code java -jar managed-identity-datasource-<version>-cli.jar check --url ...}
 * (the {@code -cli} jar carries every dependency and the three JDBC drivers). Commands: {@code check}.
 */
public final class Main {

    private Main() {}

    public static void main(String[] args) {
        // Without a logging backend (the -cli jar has none), SLF4J would warn on stderr; check reports what matters
        // itself. An application classpath with a backend keeps it.
        if (System.getProperty("slf4j.provider") == null
                && !hasClass("ch.qos.logback.classic.Logger")
                && !hasClass("org.slf4j.simple.SimpleLogger")
                && !hasClass("org.apache.logging.slf4j.SLF4JServiceProvider")) {
            System.setProperty("slf4j.provider", "org.slf4j.helpers.NOP_FallbackServiceProvider");
            System.setProperty("slf4j.internal.verbosity", "WARN"); // no "using provider ..." line on stderr
        }
        int status = run(args, System.out);
        System.out.flush();
        System.exit(status);
    }

    /** Runs a command, printing to {@code out}; returns the exit status. */
    public static int run(String[] args, PrintStream out) {
        if (args.length == 0 || args[0].equals("--help") || args[0].equals("-h") || args[0].equals("help")) {
            out.println("managed-identity-datasource commands:\n  check   diagnose a token login to a database\n\n"
                    + CheckCommand.USAGE_TEXT);
            return args.length == 0 ? CheckCommand.USAGE : CheckCommand.OK;
        }
        if (args[0].equals("check")) {
            return new CheckCommand(out).run(Arrays.copyOfRange(args, 1, args.length));
        }
        out.println("unknown command " + args[0] + "; the command is: check");
        return CheckCommand.USAGE;
    }

    private static boolean hasClass(String name) {
        try {
            Class.forName(name, false, Main.class.getClassLoader());
            return true;
        } catch (ClassNotFoundException | LinkageError e) {
            return false;
        }
    }
}
