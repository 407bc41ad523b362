package dev.jaio.cli.serve;

import java.util.Locale;
import java.util.Map;

/**
 * The Content-Type of a file, by its name's extension: a small table of what a static site
 * serves, and {@code application/octet-stream} for anything else (RFC 9110 §8.3: a recipient may
 * then treat it as data, not guess).
 *
 * <p>Text types say {@code charset=utf-8}: without it a browser decodes {@code text/plain} and
 * {@code text/css} as windows-1252. JSON has no charset parameter (RFC 8259 §11: it is UTF-8).
 * JavaScript is {@code text/javascript} (RFC 9239).
 */
public final class MimeTypes {

    /** The type of a file whose extension is not in the table, or that has none. */
    public static final String DEFAULT = "application/octet-stream";

    private static final Map<String, String> BY_EXTENSION = Map.ofEntries(
            Map.entry("html", "text/html; charset=utf-8"),
            Map.entry("htm", "text/html; charset=utf-8"),
            Map.entry("txt", "text/plain; charset=utf-8"),
            Map.entry("css", "text/css; charset=utf-8"),
            Map.entry("js", "text/javascript; charset=utf-8"),
            Map.entry("json", "application/json"),
            Map.entry("png", "image/png"),
            Map.entry("jpg", "image/jpeg"),
            Map.entry("jpeg", "image/jpeg"),
            Map.entry("gif", "image/gif"),
            Map.entry("svg", "image/svg+xml"),
            Map.entry("ico", "image/vnd.microsoft.icon"),
            Map.entry("wasm", "application/wasm"),
            Map.entry("pdf", "application/pdf"));

    private MimeTypes() {
    }

    /**
     * {@return the Content-Type for a file name, by the extension after its last dot, compared
     * without case ({@code INDEX.HTML} is HTML); {@link #DEFAULT} if there is none} A leading dot
     * does not start an extension: {@code .json} is a hidden file with no extension.
     *
     * @param fileName a file name (a path's last element; anything before a {@code /} is ignored)
     */
    public static String forFileName(String fileName) {
        String name = fileName.substring(fileName.lastIndexOf('/') + 1);
        int dot = name.lastIndexOf('.');
        if (dot <= 0) {
            return DEFAULT;
        }
        return BY_EXTENSION.getOrDefault(name.substring(dot + 1).toLowerCase(Locale.ROOT), DEFAULT);
    }
}
