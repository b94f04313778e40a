using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;

namespace DpcPi.Cli.Tests.Dashboard;

/// <summary>One sample line: metric name, labels in order, value.</summary>
internal sealed record PromSample(string Name, IReadOnlyDictionary<string, string> Labels, double Value)
{
    public string LabelKey(params string[] except) =>
        string.Join(",", Labels.Where(l => !except.Contains(l.Key)).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => l.Key + "=" + l.Value));
}

internal sealed class PromFamily(string name)
{
    public string Name { get; } = name;

    public string? Type { get; set; }

    public string? Help { get; set; }

    public List<PromSample> Samples { get; } = [];
}

/// <summary>
/// A strict parser of the Prometheus text exposition format 0.0.4, for tests. Throws <see cref="FormatException"/>
/// (with the line number) on: bad metric or label names, bad escapes, unparsable values, HELP/TYPE after a
/// family's samples or twice, unknown types, families split over the text, duplicate series, counters without
/// _total, histogram series without +Inf, non-increasing le, decreasing cumulative counts, +Inf != _count, no _sum.
/// </summary>
internal static partial class PrometheusTextParser
{
    private static readonly string[] s_types = ["counter", "gauge", "histogram", "summary", "untyped"];

    [GeneratedRegex("^[a-zA-Z_:][a-zA-Z0-9_:]*$")]
    private static partial Regex MetricName();

    [GeneratedRegex("^[a-zA-Z_][a-zA-Z0-9_]*$")]
    private static partial Regex LabelName();

    public static IReadOnlyDictionary<string, PromFamily> Parse(string text)
    {
        if (text.Length > 0 && !text.EndsWith('\n'))
        {
            throw new FormatException("the exposition does not end with a line feed");
        }

        var families = new Dictionary<string, PromFamily>(StringComparer.Ordinal);
        var finished = new HashSet<string>(StringComparer.Ordinal);
        var series = new HashSet<string>(StringComparer.Ordinal);
        string? current = null;
        var lines = text.Split('\n');
        for (var n = 0; n < lines.Length; n++)
        {
            var line = lines[n];
            var at = $"line {n + 1}: ";
            if (line.Length == 0)
            {
                continue;
            }

            if (line.Contains('\r', StringComparison.Ordinal))
            {
                throw new FormatException(at + "carriage return in the exposition");
            }

            if (line.StartsWith('#'))
            {
                var parts = line.Split(' ', 4);
                if (parts.Length >= 3 && parts[0] == "#" && parts[1] is "HELP" or "TYPE")
                {
                    var name = parts[2];
                    if (!MetricName().IsMatch(name))
                    {
                        throw new FormatException(at + $"bad metric name '{name}'");
                    }

                    if (finished.Contains(name) || (families.TryGetValue(name, out var seen) && seen.Samples.Count > 0))
                    {
                        throw new FormatException(at + $"{parts[1]} for {name} after its samples");
                    }

                    Enter(name);
                    var family = families[name];
                    if (parts[1] == "TYPE")
                    {
                        var type = parts.Length > 3 ? parts[3] : string.Empty;
                        if (family.Type is not null)
                        {
                            throw new FormatException(at + $"second TYPE for {name}");
                        }

                        if (!s_types.Contains(type))
                        {
                            throw new FormatException(at + $"unknown type '{type}' for {name}");
                        }

                        family.Type = type;
                    }
                    else
                    {
                        if (family.Help is not null)
                        {
                            throw new FormatException(at + $"second HELP for {name}");
                        }

                        family.Help = Unescape(parts.Length > 3 ? parts[3] : string.Empty, help: true, at);
                    }
                }

                continue; // other comments are allowed
            }

            var sample = ParseSample(line, at);
            var familyName = FamilyOf(sample.Name, families);
            Enter(familyName);
            var key = sample.Name + "{" + sample.LabelKey() + "}";
            if (!series.Add(key))
            {
                throw new FormatException(at + $"duplicate series {key}");
            }

            families[familyName].Samples.Add(sample);
        }

        foreach (var f in families.Values)
        {
            Check(f);
        }

        return families;

        void Enter(string name)
        {
            if (current != name)
            {
                if (finished.Contains(name))
                {
                    throw new FormatException($"family {name} is split over the exposition");
                }

                if (current is not null)
                {
                    finished.Add(current);
                }

                current = name;
                families.TryAdd(name, new PromFamily(name));
            }
        }
    }

    private static string FamilyOf(string sampleName, Dictionary<string, PromFamily> families)
    {
        foreach (var suffix in new[] { "_bucket", "_sum", "_count" })
        {
            if (sampleName.EndsWith(suffix, StringComparison.Ordinal))
            {
                var baseName = sampleName[..^suffix.Length];
                if (families.TryGetValue(baseName, out var f) && f.Type is "histogram" or "summary")
                {
                    return baseName;
                }
            }
        }

        return sampleName;
    }

    private static PromSample ParseSample(string line, string at)
    {
        var i = 0;
        while (i < line.Length && line[i] != '{' && line[i] != ' ')
        {
            i++;
        }

        var name = line[..i];
        if (!MetricName().IsMatch(name))
        {
            throw new FormatException(at + $"bad metric name '{name}'");
        }

        var labels = new Dictionary<string, string>(StringComparer.Ordinal);
        if (i < line.Length && line[i] == '{')
        {
            i++;
            while (true)
            {
                if (i < line.Length && line[i] == '}')
                {
                    i++;
                    break;
                }

                var start = i;
                while (i < line.Length && line[i] != '=')
                {
                    i++;
                }

                var label = line[start..i];
                if (!LabelName().IsMatch(label) || label.StartsWith("__", StringComparison.Ordinal))
                {
                    throw new FormatException(at + $"bad label name '{label}'");
                }

                if (i + 1 >= line.Length || line[i + 1] != '"')
                {
                    throw new FormatException(at + $"label {label} has no quoted value");
                }

                i += 2;
                var value = new StringBuilder();
                while (true)
                {
                    if (i >= line.Length)
                    {
                        throw new FormatException(at + $"unterminated value of label {label}");
                    }

                    var c = line[i++];
                    if (c == '"')
                    {
                        break;
                    }

                    if (c == '\\')
                    {
                        var e = i < line.Length ? line[i++] : ' ';
                        value.Append(e switch
                        {
                            '\\' => '\\',
                            '"' => '"',
                            'n' => '\n',
                            _ => throw new FormatException(at + $"bad escape \\{e} in label {label}"),
                        });
                    }
                    else
                    {
                        value.Append(c);
                    }
                }

                if (!labels.TryAdd(label, value.ToString()))
                {
                    throw new FormatException(at + $"label {label} twice");
                }

                if (i < line.Length && line[i] == ',')
                {
                    i++;
                }
                else if (i >= line.Length || line[i] != '}')
                {
                    throw new FormatException(at + "expected , or } after a label");
                }
            }
        }

        if (i >= line.Length || line[i] != ' ')
        {
            throw new FormatException(at + "expected a space before the value");
        }

        var rest = line[(i + 1)..].Split(' ');
        if (rest.Length is < 1 or > 2 || (rest.Length == 2 && !long.TryParse(rest[1], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)))
        {
            throw new FormatException(at + $"expected 'value [timestamp]', got '{line[(i + 1)..]}'");
        }

        return new PromSample(name, labels, ParseValue(rest[0], at));
    }

    public static double ParseValue(string text, string at = "") => text switch
    {
        "+Inf" => double.PositiveInfinity,
        "-Inf" => double.NegativeInfinity,
        "NaN" => double.NaN,
        _ when double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) && !text.Contains(',', StringComparison.Ordinal) => v,
        _ => throw new FormatException(at + $"bad value '{text}'"),
    };

    private static string Unescape(string text, bool help, string at)
    {
        var sb = new StringBuilder();
        for (var i = 0; i < text.Length; i++)
        {
            if (text[i] != '\\')
            {
                sb.Append(text[i]);
                continue;
            }

            var e = ++i < text.Length ? text[i] : ' ';
            sb.Append(e switch
            {
                '\\' => '\\',
                'n' => '\n',
                '"' when !help => '"',
                _ => throw new FormatException(at + $"bad escape \\{e} in HELP"),
            });
        }

        return sb.ToString();
    }

    private static void Check(PromFamily f)
    {
        if (f.Type == "counter" && !f.Name.EndsWith("_total", StringComparison.Ordinal))
        {
            throw new FormatException($"counter {f.Name} does not end in _total");
        }

        if (f.Type is "counter" or "gauge" or "untyped" && f.Samples.Any(s => s.Name != f.Name))
        {
            throw new FormatException($"{f.Type} {f.Name} has samples of another name");
        }

        if (f.Type == "counter" && f.Samples.Any(s => s.Value < 0 || double.IsNaN(s.Value)))
        {
            throw new FormatException($"counter {f.Name} has a negative or NaN value");
        }

        if (f.Type != "histogram")
        {
            return;
        }

        foreach (var group in f.Samples.GroupBy(s => s.LabelKey("le")))
        {
            var buckets = group.Where(s => s.Name == f.Name + "_bucket").ToList();
            var count = group.SingleOrDefault(s => s.Name == f.Name + "_count") ?? throw new FormatException($"histogram {f.Name}{{{group.Key}}} has no _count");
            _ = group.SingleOrDefault(s => s.Name == f.Name + "_sum") ?? throw new FormatException($"histogram {f.Name}{{{group.Key}}} has no _sum");
            if (buckets.Count == 0 || buckets.Any(b => !b.Labels.ContainsKey("le")))
            {
                throw new FormatException($"histogram {f.Name}{{{group.Key}}} has a bucket without le");
            }

            var previousLe = double.NegativeInfinity;
            var previousCount = 0.0;
            foreach (var b in buckets)
            {
                var le = ParseValue(b.Labels["le"]);
                if (!(le > previousLe))
                {
                    throw new FormatException($"histogram {f.Name}{{{group.Key}}}: le {b.Labels["le"]} does not increase");
                }

                if (b.Value < previousCount)
                {
                    throw new FormatException($"histogram {f.Name}{{{group.Key}}}: bucket le={b.Labels["le"]} count {b.Value} is below the previous {previousCount}");
                }

                previousLe = le;
                previousCount = b.Value;
            }

            if (buckets[^1].Labels["le"] != "+Inf")
            {
                throw new FormatException($"histogram {f.Name}{{{group.Key}}} does not end with le=\"+Inf\"");
            }

            if (buckets[^1].Value != count.Value)
            {
                throw new FormatException($"histogram {f.Name}{{{group.Key}}}: +Inf {buckets[^1].Value} != _count {count.Value}");
            }
        }
    }
}
