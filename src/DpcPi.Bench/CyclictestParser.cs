using System.Globalization;
using System.Text.Json;
using System.Text.RegularExpressions;

namespace DpcPi.Bench;

/// <summary>
/// Parsers for cyclictest (rt-tests) output: the -q summary lines
/// (<c>T: 0 (tid) P:80 I:200 C: 300 Min: 4 Act: 6 Avg: 6 Max: 10</c>), the -h histogram dump
/// (one row per µs with a column per thread, then <c># Total:</c>, <c># Min Latencies:</c>, ... trailers)
/// and the --json file (rt-tests 2.x: thread → histogram, cycles, min, max, avg).
/// </summary>
public static partial class CyclictestParser
{
    /// <summary>Every <c>T:</c> summary line in <paramref name="text"/>.</summary>
    public static IReadOnlyList<CyclictestThread> ParseSummary(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var threads = new List<CyclictestThread>();
        foreach (Match m in SummaryLine().Matches(text))
        {
            threads.Add(new CyclictestThread
            {
                Index = Int(m.Groups["t"].Value),
                Tid = Int(m.Groups["tid"].Value),
                Priority = Int(m.Groups["p"].Value),
                IntervalUs = Int(m.Groups["i"].Value),
                Cycles = Long(m.Groups["c"].Value),
                MinUs = Long(m.Groups["min"].Value),
                ActUs = Long(m.Groups["act"].Value),
                AvgUs = Long(m.Groups["avg"].Value),
                MaxUs = Long(m.Groups["max"].Value),
            });
        }

        return threads;
    }

    /// <summary>The -h histogram dump: one thread per column, with the trailer's totals, min/avg/max and overflows.</summary>
    public static IReadOnlyList<CyclictestThread> ParseHistogram(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        var rows = new List<long[]>();
        var trailers = new Dictionary<string, long[]>(StringComparer.Ordinal);
        var overflowCycles = new List<List<long>>();
        foreach (var raw in text.Split('\n'))
        {
            var line = raw.TrimEnd('\r');
            if (line.StartsWith('#'))
            {
                var body = line[1..].Trim();
                var colon = body.IndexOf(':', StringComparison.Ordinal);
                if (colon < 0)
                {
                    continue;
                }

                var key = body[..colon].Trim();
                var values = body[(colon + 1)..].Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
                if (key.StartsWith("Thread ", StringComparison.Ordinal))
                {
                    // "# Thread N:" followed by the overflow cycle numbers of thread N.
                    overflowCycles.Add(values.Select(Long).ToList());
                }
                else if (values.Length > 0 && values.All(v => long.TryParse(v, NumberStyles.Integer, CultureInfo.InvariantCulture, out _)))
                {
                    trailers[key] = values.Select(Long).ToArray();
                }

                continue;
            }

            var cells = line.Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries);
            if (cells.Length >= 2 && cells.All(c => c.All(char.IsAsciiDigit)))
            {
                rows.Add(cells.Select(Long).ToArray());
            }
        }

        if (rows.Count == 0)
        {
            return [];
        }

        var threadCount = rows[0].Length - 1;
        var result = new List<CyclictestThread>();
        for (var t = 0; t < threadCount; t++)
        {
            var buckets = new long[rows.Max(r => r[0]) + 1];
            foreach (var r in rows)
            {
                if (r.Length > t + 1)
                {
                    buckets[r[0]] += r[t + 1];
                }
            }

            long Trailer(string key) => trailers.TryGetValue(key, out var v) && v.Length > t ? v[t] : 0;
            result.Add(new CyclictestThread
            {
                Index = t,
                Cycles = trailers.ContainsKey("Total") ? Trailer("Total") : buckets.Sum(),
                MinUs = Trailer("Min Latencies"),
                AvgUs = Trailer("Avg Latencies"),
                MaxUs = Trailer("Max Latencies"),
                Histogram = buckets,
                Overflows = Trailer("Histogram Overflows"),
                OverflowCycles = t < overflowCycles.Count ? overflowCycles[t] : [],
            });
        }

        return result;
    }

    /// <summary>The --json file of rt-tests 2.x.</summary>
    public static IReadOnlyList<CyclictestThread> ParseJson(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        using var doc = JsonDocument.Parse(json);
        var threads = new List<CyclictestThread>();
        if (!doc.RootElement.TryGetProperty("thread", out var threadObj))
        {
            return threads;
        }

        foreach (var p in threadObj.EnumerateObject().OrderBy(p => Int(p.Name)))
        {
            var t = p.Value;
            var buckets = Array.Empty<long>();
            if (t.TryGetProperty("histogram", out var h) && h.ValueKind == JsonValueKind.Object)
            {
                var entries = h.EnumerateObject().Select(e => (Us: Int(e.Name), Count: e.Value.GetInt64())).ToArray();
                buckets = new long[entries.Length == 0 ? 0 : entries.Max(e => e.Us) + 1];
                foreach (var (us, count) in entries)
                {
                    buckets[us] = count;
                }
            }

            var cycles = t.GetProperty("cycles").GetInt64();
            threads.Add(new CyclictestThread
            {
                Index = Int(p.Name),
                Cycles = cycles,
                MinUs = t.GetProperty("min").GetInt64(),
                AvgUs = t.GetProperty("avg").GetDouble(),
                MaxUs = t.GetProperty("max").GetInt64(),
                Histogram = buckets,
                Overflows = Math.Max(0, cycles - buckets.Sum()),
            });
        }

        return threads;
    }

    [GeneratedRegex(@"T:\s*(?<t>\d+)\s*\(\s*(?<tid>\d+)\)\s*P:\s*(?<p>\d+)\s*I:\s*(?<i>\d+)\s*C:\s*(?<c>\d+)\s*Min:\s*(?<min>\d+)\s*Act:\s*(?<act>\d+)\s*Avg:\s*(?<avg>\d+)\s*Max:\s*(?<max>\d+)", RegexOptions.CultureInvariant)]
    private static partial Regex SummaryLine();

    private static int Int(string s) => int.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);

    private static long Long(string s) => long.Parse(s, NumberStyles.Integer, CultureInfo.InvariantCulture);
}
