package io.github.azuremi.jdbc;

/**
 * No usable token could be supplied in time. The message names the credential, the scope and the cause;
 * it never contains a token.
 */
public class TokenUnavailableException extends RuntimeException {

    private static final long serialVersionUID = 1L;

    public TokenUnavailableException(String message, Throwable cause) {
        super(message, cause);
    }
}
