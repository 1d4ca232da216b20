package io.github.azuremi.jdbc.testsupport;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.HashMap;
import java.util.Locale;
import java.util.Map;

/**
 * A one-request-per-connection HTTP/1.1 client over a plain socket, for tests of the local endpoint. Unlike
 * the JDK clients it never retries behind the test's back and shows "no response at all" as such.
 */
final class RawHttp {

    /** The connection ended before a status line arrived. */
    static final class NoResponseException extends IOException {
        NoResponseException() {
            super("the connection was closed without a response");
        }
    }

    record Response(int status, Map<String, String> headers, String body) {
        String header(String name) {
            return headers.get(name.toLowerCase(Locale.ROOT));
        }

        @Override
        public String toString() { // bodies hold tokens
            return "Response[status=" + status + ", body=<" + body.length() + " chars>]";
        }
    }

    private RawHttp() {}

    static Response get(int port, String pathAndQuery, Map<String, String> headers) throws IOException {
        return send(port, "GET", pathAndQuery, headers, Duration.ofSeconds(10));
    }

    static Response send(int port, String method, String pathAndQuery, Map<String, String> headers, Duration timeout)
            throws IOException {
        try (Socket socket = new Socket(InetAddress.getLoopbackAddress(), port)) {
            socket.setSoTimeout((int) timeout.toMillis());
            StringBuilder request = new StringBuilder()
                    .append(method)
                    .append(' ')
                    .append(pathAndQuery)
                    .append(" HTTP/1.1\r\n")
                    .append("Host: 127.0.0.1:")
                    .append(port)
                    .append("\r\n")
                    .append("Connection: close\r\n");
            headers.forEach((name, value) ->
                    request.append(name).append(": ").append(value).append("\r\n"));
            OutputStream out = socket.getOutputStream();
            out.write(request.append("\r\n").toString().getBytes(StandardCharsets.ISO_8859_1));
            out.flush();
            return parse(readAll(socket.getInputStream()));
        }
    }

    private static byte[] readAll(InputStream in) throws IOException {
        ByteArrayOutputStream all = new ByteArrayOutputStream();
        in.transferTo(all);
        return all.toByteArray();
    }

    private static Response parse(byte[] raw) throws IOException {
        String text = new String(raw, StandardCharsets.UTF_8);
        int headerEnd = text.indexOf("\r\n\r\n");
        if (text.isEmpty() || headerEnd < 0) {
            throw new NoResponseException();
        }
        String[] lines = text.substring(0, headerEnd).split("\r\n");
        int status = Integer.parseInt(lines[0].split(" ")[1]);
        Map<String, String> headers = new HashMap<>();
        for (int i = 1; i < lines.length; i++) {
            int colon = lines[i].indexOf(':');
            headers.put(
                    lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
                    lines[i].substring(colon + 1).trim());
        }
        return new Response(status, headers, text.substring(headerEnd + 4));
    }
}
