package io.github.azuremi.jdbc.bench;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.ZonedDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.Iterator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.TreeMap;

/**
 * Turns JMH's JSON result (and the stampede side file) into the Markdown of README.md: one table per
 * benchmark, then the ratios against the targets of issue #5.
 *
 * <p>Noise: this machine is shared, so every row gives the <b>median of the forks</b> (each fork's value is
 * the median of its measurement iterations, or of its shots, or of its per-iteration percentiles), the
 * <b>range of the forks</b> (min-max), and JMH's mean with its 99.9% confidence interval. A ratio is the ratio of medians; its range is the worst and best pairing of fork values.
 *
 * <p>{@code java -cp target/benchmarks.jar io.github.azuremi.jdbc.bench.Report target/jmh/results.json
 * target/jmh/stampede.tsv} re-renders a finished run.
 */
public final class Report {

  private static final String PKG = "io.github.azuremi.jdbc.bench.";
  private static final double[] PERCENTILES = {50.0, 99.0, 99.9};

  private Report() {}

  public static void main(String[] args) throws IOException {
    Path json = Path.of(args.length > 0 ? args[0] : "target/jmh/results.json");
    Path sidecar = Path.of(args.length > 1 ? args[1] : "target/jmh/stampede.tsv");
    System.out.println(render(json, sidecar));
  }

  /** One measured quantity: its fork values, JMH's mean and error, its unit. */
  record Value(String label, double[] forks, double jmhScore, double jmhError, String unit, int forkCount,
               int iterations, double[][] raw) {
    double median() {
      return Report.median(forks);
    }

    double min() {
      return Arrays.stream(forks).min().orElse(Double.NaN);
    }

    double max() {
      return Arrays.stream(forks).max().orElse(Double.NaN);
    }
  }

  public static String render(Path json, Path sidecar) throws IOException {
    JsonNode root = new ObjectMapper().readTree(json.toFile());
    Map<String, Value> values = new LinkedHashMap<>();
    Map<String, List<String>> byClass = new LinkedHashMap<>();
    String jvm = "";
    for (JsonNode result : root) {
      String full = result.get("benchmark").asText();
      String name = full.startsWith(PKG) ? full.substring(PKG.length()) : full;
      String cls = name.substring(0, name.indexOf('.'));
      String key = name + params(result);
      String mode = result.get("mode").asText();
      jvm = result.get("vmName").asText() + " " + result.get("vmVersion").asText() + " (JDK "
          + result.get("jdkVersion").asText() + "), JMH " + result.get("jmhVersion").asText();
      JsonNode primary = result.get("primaryMetric");
      int forks = result.get("forks").asInt();
      int iterations = result.get("measurementIterations").asInt();
      if (mode.equals("sample")) {
        JsonNode secondaries = result.get("secondaryMetrics");
        List<String> methods = new ArrayList<>();
        for (Iterator<String> it = secondaries.fieldNames(); it.hasNext(); ) {
          String metric = it.next();
          if (!metric.contains(":") && !metric.startsWith("p")) {
            methods.add(metric);
          }
        }
        if (methods.isEmpty()) {
          methods.add("");
        }
        for (String method : methods) {
          for (double p : PERCENTILES) {
            String label = (method.isEmpty() ? key : key + "." + method) + " p" + pretty(p);
            Value v = method.isEmpty()
                ? histogramPercentile(label, primary, p, forks, iterations)
                : secondaryPercentile(label, secondaries, method, p, forks, iterations);
            values.put(label, v);
            byClass.computeIfAbsent(cls, k -> new ArrayList<>()).add(label);
          }
        }
      } else {
        JsonNode secondaries = result.get("secondaryMetrics");
        Map<String, JsonNode> metrics = new LinkedHashMap<>();
        if (secondaries != null && secondaries.size() > 0) {
          // a JMH group: one row per member method
          secondaries.fields().forEachRemaining(e -> metrics.put(key.replace(name, name + "." + e.getKey()), e.getValue()));
        } else {
          metrics.put(key, primary);
        }
        for (Map.Entry<String, JsonNode> metric : metrics.entrySet()) {
          JsonNode m = metric.getValue();
          double[] forkValues = new double[m.get("rawData").size()];
          double[][] raw = new double[forkValues.length][];
          int f = 0;
          for (JsonNode fork : m.get("rawData")) {
            raw[f] = doubles(fork);
            forkValues[f] = median(raw[f]);
            f++;
          }
          values.put(metric.getKey(), new Value(metric.getKey(), forkValues, m.get("score").asDouble(),
              m.get("scoreError").asDouble(), m.get("scoreUnit").asText(), forks, iterations, raw));
          byClass.computeIfAbsent(cls, k -> new ArrayList<>()).add(metric.getKey());
        }
      }
    }
    Map<String, int[]> requests = stampedeRequests(sidecar);

    StringBuilder md = new StringBuilder();
    md.append("Run: ").append(ZonedDateTime.now().format(DateTimeFormatter.ISO_OFFSET_DATE_TIME)).append("  \n");
    md.append("Machine: ").append(machine()).append("  \n");
    md.append("JVM: ").append(jvm).append("\n\n");
    md.append("Each row: the median of the forks, the range of the forks, and JMH's own mean ± 99.9% CI over all "
        + "iterations of all forks. A fork's value is the median of its measurement iterations (of its shots, for "
        + "single-shot rows; of its per-iteration percentiles, for percentile rows): medians, because on this "
        + "shared machine an iteration now and then runs at a fraction of the CPU.\n\n");
    for (Map.Entry<String, List<String>> entry : byClass.entrySet()) {
      md.append("### ").append(entry.getKey()).append("\n\n");
      md.append("| benchmark | median of forks | fork range | JMH mean ± 99.9% CI | unit | forks × iterations |");
      boolean stampede = entry.getKey().startsWith("Stampede");
      md.append(stampede ? " endpoint requests per stampede (min / median / max) |\n" : "\n");
      md.append("|---|---:|---:|---:|---|---:|").append(stampede ? "---:|\n" : "\n");
      for (String label : entry.getValue()) {
        Value v = values.get(label);
        md.append("| ").append(label.substring(label.indexOf('.') + 1)).append(" | ").append(fmt(v.median()))
            .append(" | ").append(fmt(v.min())).append(" – ").append(fmt(v.max())).append(" | ")
            .append(Double.isNaN(v.jmhError()) ? fmt(v.jmhScore()) + " (all forks merged)"
                : fmt(v.jmhScore()) + " ± " + fmt(v.jmhError()))
            .append(" | ").append(v.unit()).append(" | ").append(v.forkCount()).append(" × ")
            .append(v.iterations()).append(" |");
        if (stampede) {
          String variant = label.substring(label.indexOf('.') + 1);
          int[] r = requests.get(variant);
          md.append(' ').append(r == null ? "" : r[0] + " / " + r[r.length / 2] + " / " + r[r.length - 1]).append(" |");
        }
        md.append('\n');
      }
      md.append('\n');
    }
    md.append(pluginRequests(sidecar));
    md.append(ratios(values, requests));
    return md.toString();
  }

  // ----------------------------------------------------------------------------------------------------
  // Ratios against the targets

  private static String ratios(Map<String, Value> v, Map<String, int[]> requests) {
    StringBuilder md = new StringBuilder("### Ratios and targets\n\n");
    md.append("A ratio marked (paired) compares the two members of one JMH group, which ran at the same time: each "
        + "iteration is divided by its partner, each fork gives the median of those, and the table shows the median "
        + "and the range of the forks. Other ratios divide the medians of the forks; their range pairs the slowest "
        + "fork of one side with the fastest of the other.\n\n");
    md.append("| comparison | ratio | range over forks | target | met? |\n|---|---:|---:|---|---|\n");
    for (String t : List.of("1thread", "8threads")) {
      ratio(md, v, "cache hit, " + t + ": azure-identity getTokenSync / ours", "TokenSupplyBenchmark.azureIdentity_" + t,
          "TokenSupplyBenchmark.ours_" + t, ">= 1000", r -> r >= 1000);
      ratio(md, v, "cache hit, " + t + ": identity-extensions template / ours",
          "TokenSupplyBenchmark.identityExtensions_" + t, "TokenSupplyBenchmark.ours_" + t, "(for information)", null);
    }
    ratio(md, v, "borrow, 1 thread per pool: ManagedIdentityDataSource / plain Hikari",
        "BorrowBenchmark.oneThreadEach.managedIdentity", "BorrowBenchmark.oneThreadEach.plainHikari", "<= 1.05",
        r -> r <= 1.05);
    ratio(md, v, "borrow, 8 threads per pool: ManagedIdentityDataSource / plain Hikari",
        "BorrowBenchmark.eightThreadsEach.managedIdentity8", "BorrowBenchmark.eightThreadsEach.plainHikari8", "<= 1.05",
        r -> r <= 1.05);
    ratio(md, v, "new connection: cached token / static-password floor", "NewConnectionBenchmark.login.cachedToken",
        "NewConnectionBenchmark.login.staticPasswordFloor", "<= 1.05", r -> r <= 1.05);
    ratio(md, v, "ALTER ROLE hook / cached token (same moment)", "NewConnectionBenchmark.alterRole.alterRoleOnly",
        "NewConnectionBenchmark.alterRole.cachedTokenAlongside", "(subtracted below)", null);
    for (String latency : List.of("0", "5", "50")) {
      String p = " (endpointLatencyMs=" + latency + ")";
      String fresh = "NewConnectionFreshTokenBenchmark.fresh.freshToken" + p;
      String along = "NewConnectionFreshTokenBenchmark.fresh.cachedTokenAlongside" + p;
      ratio(md, v, "new connection: fresh token (endpoint " + latency + " ms) / cached token (same moment)", fresh,
          along, "(what the cache saves)", null);
      freshMinusHook(md, v, "new connection: fresh token (endpoint " + latency + " ms) without the ALTER ROLE hook"
          + " / cached token", fresh, along);
    }
    String pg = "PluginConnectionBenchmark.postgres.";
    ratio(md, v, "plugin, new PostgreSQL connection: our plugin / static password", pg + "ours",
        pg + "staticPassword", "<= 1.05", r -> r <= 1.05);
    ratio(md, v, "plugin, new PostgreSQL connection: azure-identity-extensions / static password", pg + "extensions",
        pg + "staticPassword", "(for information)", null);
    ratio(md, v, "plugin, new PostgreSQL connection: our plugin / azure-identity-extensions", pg + "ours",
        pg + "extensions", "(for information)", null);
    String r2 = "R2dbcBenchmark.";
    ratio(md, v, "R2DBC, new PostgreSQL connection: cached token / static password",
        r2 + "newConnection.cachedToken", r2 + "newConnection.staticPassword", "<= 1.05", r -> r <= 1.05);
    ratio(md, v, "R2DBC, r2dbc-pool acquire: on our factory / on the driver's with a static password",
        r2 + "poolAcquire.oursPool", r2 + "poolAcquire.plainPool", "<= 1.05", r -> r <= 1.05);
    String my = "PluginConnectionBenchmark.mysql.";
    ratio(md, v, "plugin, new MariaDB connection: our plugin / static password", my + "mysqlOurs",
        my + "mysqlStaticPassword", "<= 1.05", r -> r <= 1.05);
    for (String pair : List.of("Direct", "Pool")) {
      String cls = pair.equals("Direct") ? "StampedeBenchmark" : "StampedePooledBenchmark";
      int[] ours = requests.get("cached" + pair);
      int[] theirs = requests.get("perConnectionFetch" + pair);
      if (ours != null) {
        boolean one = ours[0] == 1 && ours[ours.length - 1] == 1;
        md.append("| stampede (").append(pair.toLowerCase(Locale.ROOT)).append("): endpoint requests, ours | ")
            .append(ours[ours.length / 2]).append(" | ").append(ours[0]).append(" – ").append(ours[ours.length - 1])
            .append(" | exactly 1 | ").append(one ? "met" : "**missed**").append(" |\n");
      }
      if (theirs != null) {
        md.append("| stampede (").append(pair.toLowerCase(Locale.ROOT))
            .append("): endpoint requests, per-connection fetch | ").append(theirs[theirs.length / 2]).append(" | ")
            .append(theirs[0]).append(" – ").append(theirs[theirs.length - 1]).append(" | (for information) | |\n");
      }
      ratio(md, v, "stampede (" + pair.toLowerCase(Locale.ROOT) + "): time until all " + StampedeBenchmark.THREADS
          + " threads have a connection, per-connection fetch / ours", cls + ".perConnectionFetch" + pair,
          cls + ".cached" + pair, "(for information)", null);
    }
    for (String method : List.of("getConnection", "load")) {
      for (String p : List.of("p99", "p99.9")) {
        String rot = "RotationBenchmark.rotation (tokens=rotating)." + method + " " + p;
        String steady = "RotationBenchmark.rotation (tokens=steady)." + method + " " + p;
        String peer = "RotationBenchmark.rotation (tokens=rotatingPerConnectionFetch)." + method + " " + p;
        boolean target = p.equals("p99");
        ratio(md, v, "rotation, " + method + " " + p + ": rotating / steady", rot, steady,
            target ? "<= 1.20" : "(for information)", target ? r -> r <= 1.20 : null);
        ratio(md, v, "rotation, " + method + " " + p + ": per-connection fetch (rotating) / steady", peer, steady,
            "(what the cache saves)", null);
      }
    }
    return md.append('\n').toString();
  }

  private static void ratio(StringBuilder md, Map<String, Value> v, String what, String a, String b, String target,
                            java.util.function.DoublePredicate met) {
    Value x = v.get(a);
    Value y = v.get(b);
    if (x == null || y == null) {
      String missing = (x == null ? a : b).split(" ", 2)[0];
      String cls = missing.substring(0, missing.lastIndexOf('.') + 1); // "Cls." or, in a group, "Cls.group."
      if (v.keySet().stream().noneMatch(k -> k.startsWith(cls))) {
        return; // that benchmark was not part of this run
      }
      md.append("| ").append(what).append(" | n/a | | ").append(target).append(" | **not measured** (")
          .append(x == null ? a : b).append(" has no result: see the run's log) |\n");
      return;
    }
    double r;
    double lo;
    double hi;
    double[] paired = pairedForkRatios(x, y);
    if (paired != null) {
      // both sides ran at the same time (one JMH group): compare each iteration with its partner
      r = median(paired);
      lo = Arrays.stream(paired).min().orElse(Double.NaN);
      hi = Arrays.stream(paired).max().orElse(Double.NaN);
      what = what + " (paired)";
    } else {
      r = x.median() / y.median();
      lo = x.min() / y.max();
      hi = x.max() / y.min();
    }
    md.append("| ").append(what).append(" | ").append(fmt(r)).append(" | ").append(fmt(lo))
        .append(" – ").append(fmt(hi)).append(" | ").append(target).append(" | ")
        .append(met == null ? "" : met.test(r) ? "met" : "**missed**").append(" |\n");
  }

  /**
   * For two members of one JMH group (same benchmark, same parameters): per fork, the median over its
   * iterations of a/b, the iterations having run at the same time. Null when the values are not paired.
   */
  private static double[] pairedForkRatios(Value x, Value y) {
    if (x.raw() == null || y.raw() == null || x.raw().length != y.raw().length || !sameGroup(x.label(), y.label())) {
      return null;
    }
    double[] forks = new double[x.raw().length];
    for (int f = 0; f < forks.length; f++) {
      if (x.raw()[f].length != y.raw()[f].length) {
        return null;
      }
      double[] r = new double[x.raw()[f].length];
      for (int i = 0; i < r.length; i++) {
        r[i] = x.raw()[f][i] / y.raw()[f][i];
      }
      forks[f] = median(r);
    }
    return forks;
  }

  /** "Cls.group.method (params)": same class, group and parameters. */
  private static boolean sameGroup(String a, String b) {
    String[] pa = a.split(" ", 2);
    String[] pb = b.split(" ", 2);
    String ga = pa[0].substring(0, pa[0].lastIndexOf('.'));
    String gb = pb[0].substring(0, pb[0].lastIndexOf('.'));
    String qa = pa.length > 1 ? pa[1] : "";
    String qb = pb.length > 1 ? pb[1] : "";
    return ga.equals(gb) && qa.equals(qb) && ga.indexOf('.') > 0;
  }

  /** fresh/cached minus hook/cached, each ratio taken within its own JMH group. */
  private static void freshMinusHook(StringBuilder md, Map<String, Value> v, String what, String fresh, String along) {
    Value f = v.get(fresh);
    Value fa = v.get(along);
    Value h = v.get("NewConnectionBenchmark.alterRole.alterRoleOnly");
    Value ha = v.get("NewConnectionBenchmark.alterRole.cachedTokenAlongside");
    if (f == null || fa == null || h == null || ha == null) {
      return;
    }
    double[] fr = pairedForkRatios(f, fa);
    double[] hr = pairedForkRatios(h, ha);
    if (fr == null || hr == null) {
      return;
    }
    double hook = median(hr);
    double r = median(fr) - hook;
    double lo = Arrays.stream(fr).min().orElse(Double.NaN) - hook;
    double hi = Arrays.stream(fr).max().orElse(Double.NaN) - hook;
    md.append("| ").append(what).append(" | ").append(fmt(r)).append(" | ").append(fmt(lo)).append(" – ")
        .append(fmt(hi)).append(" | (what the cache saves) | |\n");
  }

  // ----------------------------------------------------------------------------------------------------
  // Reading JMH's JSON

  private static String params(JsonNode result) {
    JsonNode params = result.get("params");
    if (params == null || params.isEmpty()) {
      return "";
    }
    List<String> parts = new ArrayList<>();
    params.fields().forEachRemaining(e -> parts.add(e.getKey() + "=" + e.getValue().asText()));
    return " (" + String.join(", ", parts) + ")";
  }

  /** A percentile of each fork, from the fork's histogram (all its measurement iterations merged). */
  private static Value histogramPercentile(String label, JsonNode primary, double p, int forks, int iterations) {
    JsonNode hist = primary.get("rawDataHistogram");
    double[] forkValues = new double[hist.size()];
    int f = 0;
    for (JsonNode fork : hist) {
      TreeMap<Double, Long> merged = new TreeMap<>();
      for (JsonNode iteration : fork) {
        for (JsonNode pair : iteration) {
          merged.merge(pair.get(0).asDouble(), pair.get(1).asLong(), Long::sum);
        }
      }
      forkValues[f++] = percentile(merged, p);
    }
    double merged = primary.get("scorePercentiles").get(trim(p)).asDouble();
    return new Value(label, forkValues, merged, Double.NaN, primary.get("scoreUnit").asText(), forks, iterations, null);
  }

  /** A group member's percentile: JMH gives it per iteration; the fork value is the median of those. */
  private static Value secondaryPercentile(String label, JsonNode secondaries, String method, double p, int forks,
                                           int iterations) {
    String name = method + ":p" + String.format(Locale.ROOT, "%.4f", p / 100).replaceAll("0+$", "");
    if (name.endsWith(".")) {
      name = name + "00";
    }
    JsonNode metric = secondaries.get(name);
    if (metric == null) {
      metric = secondaries.get(method + ":p" + String.format(Locale.ROOT, "%.2f", p / 100));
    }
    double[] forkValues = new double[metric.get("rawData").size()];
    int f = 0;
    for (JsonNode fork : metric.get("rawData")) {
      forkValues[f++] = median(doubles(fork));
    }
    double mergedAll = secondaries.get(method).get("scorePercentiles").get(trim(p)).asDouble();
    return new Value(label, forkValues, mergedAll, Double.NaN, metric.get("scoreUnit").asText(), forks, iterations,
        null);
  }

  private static double percentile(TreeMap<Double, Long> histogram, double p) {
    long total = histogram.values().stream().mapToLong(Long::longValue).sum();
    long rank = (long) Math.ceil(p / 100.0 * total);
    long seen = 0;
    for (Map.Entry<Double, Long> e : histogram.entrySet()) {
      seen += e.getValue();
      if (seen >= rank) {
        return e.getKey();
      }
    }
    return histogram.isEmpty() ? Double.NaN : histogram.lastKey();
  }

  /**
   * PluginConnectionBenchmark's side-file lines ({@code PluginConnectionBenchmark.<group>.<variant>, kind,
   * count}, one set per fork): endpoint requests of each variant's first connection, requests after the
   * set-up (all variants of the group together), connections opened after the set-up.
   */
  private static String pluginRequests(Path sidecar) throws IOException {
    Map<String, Map<String, List<Long>>> rows = new TreeMap<>();
    Map<String, List<Long>> groupRequests = new TreeMap<>();
    List<String> notes = new ArrayList<>();
    if (sidecar == null || !Files.exists(sidecar)) {
      return "";
    }
    for (String line : Files.readAllLines(sidecar)) {
      String[] f = line.split("\t", 3);
      if (f.length == 3 && f[0].startsWith("PluginConnectionBenchmark.")) {
        String variant = f[0].substring("PluginConnectionBenchmark.".length());
        if (f[1].equals("note")) {
          if (!notes.contains(f[2])) {
            notes.add(f[2]);
          }
        } else if (f[1].equals("measuredRequests")) {
          groupRequests.computeIfAbsent(variant.substring(0, variant.indexOf('.')), k -> new ArrayList<>())
              .add(Long.parseLong(f[2]));
        } else {
          rows.computeIfAbsent(variant, k -> new TreeMap<>()).computeIfAbsent(f[1], k -> new ArrayList<>())
              .add(Long.parseLong(f[2]));
        }
      }
    }
    if (rows.isEmpty() && notes.isEmpty()) {
      return "";
    }
    StringBuilder md = new StringBuilder("### PluginConnectionBenchmark: endpoint requests\n\n");
    md.append("Per fork (min / median / max over the forks). Set-up: the requests that the first connection of each "
        + "variant caused, in the order ours, azure-identity-extensions, static password (ours and "
        + "azure-identity-extensions use the same identity, so the token ours fetched is in MSAL4J's JVM-wide cache "
        + "when azure-identity-extensions first asks). After the set-up: all requests during warm-up and measurement, "
        + "all variants of the group together (the fork fails unless it is 0).\n\n");
    md.append("| variant | requests in set-up | requests after set-up (whole group) | connections after set-up |\n"
        + "|---|---:|---:|---:|\n");
    for (Map.Entry<String, Map<String, List<Long>>> row : rows.entrySet()) {
      Map<String, List<Long>> kinds = row.getValue();
      String group = row.getKey().substring(0, row.getKey().indexOf('.'));
      md.append("| ").append(row.getKey()).append(" | ").append(spread(kinds.get("setupRequests"))).append(" | ")
          .append(spread(groupRequests.get(group))).append(" | ").append(spread(kinds.get("connections")))
          .append(" |\n");
    }
    md.append('\n');
    for (String note : notes) {
      md.append("- ").append(note).append('\n');
    }
    return md.append(notes.isEmpty() ? "" : "\n").toString();
  }

  private static String spread(List<Long> values) {
    if (values == null || values.isEmpty()) {
      return "";
    }
    long[] s = values.stream().mapToLong(Long::longValue).sorted().toArray();
    return s[0] + " / " + s[s.length / 2] + " / " + s[s.length - 1];
  }

  private static Map<String, int[]> stampedeRequests(Path sidecar) throws IOException {
    Map<String, List<Integer>> lists = new LinkedHashMap<>();
    if (sidecar != null && Files.exists(sidecar)) {
      for (String line : Files.readAllLines(sidecar)) {
        String[] f = line.split("\t");
        if (f.length == 3 && f[1].equals("measurement")) {
          lists.computeIfAbsent(f[0], k -> new ArrayList<>()).add(Integer.parseInt(f[2]));
        }
      }
    }
    Map<String, int[]> sorted = new LinkedHashMap<>();
    lists.forEach((k, l) -> sorted.put(k, l.stream().mapToInt(Integer::intValue).sorted().toArray()));
    return sorted;
  }

  private static double[] doubles(JsonNode array) {
    double[] d = new double[array.size()];
    for (int i = 0; i < d.length; i++) {
      d[i] = array.get(i).asDouble();
    }
    return d;
  }

  static double median(double[] values) {
    if (values.length == 0) {
      return Double.NaN;
    }
    double[] s = values.clone();
    Arrays.sort(s);
    int n = s.length;
    return n % 2 == 1 ? s[n / 2] : (s[n / 2 - 1] + s[n / 2]) / 2;
  }

  private static String pretty(double p) {
    return p == Math.rint(p) ? String.valueOf((long) p) : String.valueOf(p);
  }

  private static String trim(double p) {
    return p == Math.rint(p) ? String.format(Locale.ROOT, "%.1f", p) : String.valueOf(p);
  }

  static String fmt(double d) {
    if (Double.isNaN(d)) {
      return "n/a";
    }
    double a = Math.abs(d);
    if (a >= 100_000) {
      return String.format(Locale.ROOT, "%,.0f", d);
    }
    if (a >= 100) {
      return String.format(Locale.ROOT, "%.0f", d);
    }
    if (a >= 10) {
      return String.format(Locale.ROOT, "%.1f", d);
    }
    if (a >= 1) {
      return String.format(Locale.ROOT, "%.2f", d);
    }
    return String.format(Locale.ROOT, "%.3f", d);
  }

  private static String machine() {
    StringBuilder sb = new StringBuilder();
    try {
      String cpu = Files.readAllLines(Path.of("/proc/cpuinfo")).stream().filter(l -> l.startsWith("model name"))
          .map(l -> l.substring(l.indexOf(':') + 1).trim()).findFirst().orElse("?");
      String mem = Files.readAllLines(Path.of("/proc/meminfo")).stream().filter(l -> l.startsWith("MemTotal"))
          .map(l -> l.replaceAll("\\D+", "")).findFirst().map(kb -> (Long.parseLong(kb) / 1024 / 1024) + " GiB")
          .orElse("?");
      String kernel = Files.readString(Path.of("/proc/sys/kernel/osrelease")).trim();
      String load = Files.readString(Path.of("/proc/loadavg")).trim();
      sb.append(cpu).append(", ").append(Runtime.getRuntime().availableProcessors()).append(" cores, ")
          .append(mem).append(", Linux ").append(kernel).append("; load average at the end: ")
          .append(load, 0, load.indexOf(' ', load.indexOf(' ', load.indexOf(' ') + 1) + 1));
      Path pressure = Path.of("/proc/pressure/cpu");
      if (Files.exists(pressure)) {
        // share of the last 5 minutes in which some runnable task waited for a CPU
        String some = Files.readAllLines(pressure).get(0);
        sb.append("; CPU pressure (PSI some, avg300) at the end: ")
            .append(some.replaceAll(".*avg300=([0-9.]+).*", "$1")).append(" %");
      }
    } catch (IOException | RuntimeException e) {
      sb.append(System.getProperty("os.name")).append(", ").append(Runtime.getRuntime().availableProcessors())
          .append(" cores");
    }
    return sb.toString();
  }
}
