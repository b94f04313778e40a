using System.Globalization;

namespace DpcPi.Cli.CommandLine;

/// <summary>
/// A small, strict reader of cyclictest-style arguments (-p 80, --priority 80, --priority=80).
/// Every mistake becomes one <see cref="CliException"/> line naming the command, the option and what is allowed.
/// </summary>
public sealed class ArgReader
{
    private readonly string _command;
    private readonly List<string> _args;

    public ArgReader(string command, IEnumerable<string> args)
    {
        _command = command;
        _args = [];
        foreach (var a in args)
        {
            // --name=value → --name value
            if (a.StartsWith("--", StringComparison.Ordinal) && a.IndexOf('=', StringComparison.Ordinal) is var eq and > 2)
            {
                _args.Add(a[..eq]);
                _args.Add(a[(eq + 1)..]);
            }
            else
            {
                _args.Add(a);
            }
        }
    }

    public bool Flag(string? shortName, string longName)
    {
        var found = false;
        for (var i = _args.Count - 1; i >= 0; i--)
        {
            if (Matches(_args[i], shortName, longName))
            {
                _args.RemoveAt(i);
                found = true;
            }
        }

        return found;
    }

    public string? String(string? shortName, string longName)
    {
        for (var i = 0; i < _args.Count; i++)
        {
            if (Matches(_args[i], shortName, longName))
            {
                if (i + 1 >= _args.Count || (_args[i + 1].StartsWith('-') && _args[i + 1].Length > 1 && !char.IsDigit(_args[i + 1][1])))
                {
                    throw Error($"option {_args[i]} needs a value");
                }

                var value = _args[i + 1];
                _args.RemoveRange(i, 2);
                return value;
            }
        }

        return null;
    }

    public long? Integer(string? shortName, string longName, long min, long max)
    {
        var text = String(shortName, longName);
        if (text is null)
        {
            return null;
        }

        if (!long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Error($"{Display(shortName, longName)} '{text}' is not valid; allowed: a whole number from {min} to {max}");
        }

        return value;
    }

    /// <summary>A duration: plain seconds or with a unit (ms, s, m, h, d), as cyclictest -D.</summary>
    public TimeSpan? Duration(string? shortName, string longName)
    {
        var text = String(shortName, longName);
        if (text is null)
        {
            return null;
        }

        return ParseDuration(text) ?? throw Error($"{Display(shortName, longName)} '{text}' is not a duration; allowed: a number >= 0 with an optional unit ms, s, m, h or d (e.g. 10s, 5m; 0 = until stopped where a run has no end of its own)");
    }

    public T? Enum<T>(string? shortName, string longName)
        where T : struct, System.Enum
    {
        var text = String(shortName, longName);
        if (text is null)
        {
            return null;
        }

        var normalized = text.Replace("-", string.Empty, StringComparison.Ordinal);
        if (System.Enum.TryParse<T>(normalized, ignoreCase: true, out var value) && System.Enum.IsDefined(value) && !char.IsDigit(normalized[0]))
        {
            return value;
        }

        var allowed = string.Join(", ", System.Enum.GetNames<T>().Select(Kebab));
        throw Error($"{Display(shortName, longName)} '{text}' is not valid; allowed: {allowed}");
    }

    /// <summary>A comma-separated CPU list (0,1 or 0-3).</summary>
    public int[]? CpuList(string? shortName, string longName)
    {
        var text = String(shortName, longName);
        if (text is null)
        {
            return null;
        }

        var list = new List<int>();
        foreach (var part in text.Split(',', StringSplitOptions.TrimEntries))
        {
            var range = part.Split('-');
            if (range.Length is 1 or 2 && range.All(r => int.TryParse(r, NumberStyles.None, CultureInfo.InvariantCulture, out var c) && c < 1024))
            {
                var from = int.Parse(range[0], CultureInfo.InvariantCulture);
                var to = int.Parse(range[^1], CultureInfo.InvariantCulture);
                if (from <= to)
                {
                    list.AddRange(Enumerable.Range(from, to - from + 1));
                    continue;
                }
            }

            throw Error($"{Display(shortName, longName)} '{text}' is not a CPU list; allowed: numbers and ranges like 0,1 or 2-3");
        }

        return list.Distinct().ToArray();
    }

    /// <summary>Fails on anything not consumed: unknown options or stray words.</summary>
    public void EnsureEmpty()
    {
        if (_args.Count > 0)
        {
            var what = _args[0].StartsWith('-') ? $"unknown option '{_args[0]}'" : $"unexpected argument '{_args[0]}'";
            throw Error($"{what} (see 'dpcpi {_command} --help')");
        }
    }

    /// <summary>The next positional word, if any.</summary>
    public string? Positional()
    {
        for (var i = 0; i < _args.Count; i++)
        {
            if (!_args[i].StartsWith('-'))
            {
                var v = _args[i];
                _args.RemoveAt(i);
                return v;
            }
        }

        return null;
    }

    public static TimeSpan? ParseDuration(string text)
    {
        text = text.Trim();
        var units = new (string Suffix, double Seconds)[] { ("ms", 0.001), ("s", 1), ("m", 60), ("h", 3600), ("d", 86400) };
        var factor = 1.0;
        foreach (var (suffix, seconds) in units)
        {
            if (text.EndsWith(suffix, StringComparison.OrdinalIgnoreCase) && !(suffix == "s" && text.EndsWith("ms", StringComparison.OrdinalIgnoreCase)))
            {
                factor = seconds;
                text = text[..^suffix.Length];
                break;
            }
        }

        // Anything a TimeSpan holds (0 included: cyclictest's -D 0, "until stopped").
        return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var value) && value >= 0 && double.IsFinite(value)
            && value * factor < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(value * factor)
            : null;
    }

    public CliException Error(string message) => new($"dpcpi {_command}: {message}");

    private static bool Matches(string arg, string? shortName, string longName) =>
        arg == "--" + longName || (shortName is not null && arg == "-" + shortName);

    private static string Display(string? shortName, string longName) => shortName is null ? $"--{longName}" : $"-{shortName}/--{longName}";

    /// <summary>"Pi3BPlus" as a flag value: "pi3-b-plus".</summary>
    internal static string Kebab(string name) =>
        string.Concat(name.Select((c, i) => char.IsUpper(c) && i > 0 ? "-" + char.ToLowerInvariant(c) : char.ToLowerInvariant(c).ToString()));
}
