using DpcPi.Cli.CommandLine;
using Microsoft.Extensions.Configuration;

namespace DpcPi.Cli.Metrics;

/// <summary>The Metrics section of `dpcpi run` (docs/configuration.md, docs/dashboard.md).</summary>
internal sealed class MetricsSettings
{
    private static readonly string[] s_keys = ["Otlp"];
    private static readonly string[] s_otlpKeys = ["Endpoint", "Protocol", "IntervalSeconds"];

    /// <summary>Metrics:Otlp:Endpoint; null = no OTLP export.</summary>
    public Uri? OtlpEndpoint { get; init; }

    /// <summary>Metrics:Otlp:Protocol = http/protobuf (else grpc).</summary>
    public bool OtlpHttp { get; init; }

    public int OtlpIntervalMs { get; init; } = 10_000;

    /// <summary>Reads and checks the section; every mistake is one line (exit code 2).</summary>
    public static MetricsSettings Read(IConfiguration config)
    {
        ConfigKeys.Known(config, "Metrics", s_keys);
        ConfigKeys.Known(config, "Metrics:Otlp", s_otlpKeys);
        Uri? endpoint = null;
        if (config["Metrics:Otlp:Endpoint"] is { Length: > 0 } text)
        {
            if (!Uri.TryCreate(text.Trim(), UriKind.Absolute, out endpoint) || endpoint.Scheme is not ("http" or "https"))
            {
                throw ConfigKeys.Bad("Metrics:Otlp:Endpoint", text, "an absolute http:// or https:// URL (e.g. http://127.0.0.1:4317)");
            }
        }

        var http = config["Metrics:Otlp:Protocol"] is { } protocol && protocol.Trim().ToLowerInvariant() switch
        {
            "grpc" => false,
            "http/protobuf" => true,
            _ => throw ConfigKeys.Bad("Metrics:Otlp:Protocol", protocol, "grpc, http/protobuf"),
        };
        var interval = ConfigKeys.Int(config, "Metrics:Otlp:IntervalSeconds", 10, 1, 3600);
        return new MetricsSettings { OtlpEndpoint = endpoint, OtlpHttp = http, OtlpIntervalMs = interval * 1000 };
    }
}

/// <summary>Shared one-line checks for the Metrics and Dashboard sections (the same wording as ConfigValidator).</summary>
internal static class ConfigKeys
{
    public static CliException Bad(string key, string value, string allowed) =>
        new($"dpcpi run: configuration {key} = {value} is not valid; allowed: {allowed}");

    public static void Known(IConfiguration config, string section, string[] keys)
    {
        foreach (var child in config.GetSection(section).GetChildren())
        {
            if (!keys.Contains(child.Key, StringComparer.OrdinalIgnoreCase))
            {
                throw new CliException($"dpcpi run: configuration {section}:{child.Key} is not a known setting; allowed: {string.Join(", ", keys)}");
            }
        }

        var value = config.GetSection(section).Value;
        if (!string.IsNullOrEmpty(value))
        {
            throw Bad(section, value, $"a section with the settings {string.Join(", ", keys)}");
        }
    }

    public static int Int(IConfiguration config, string key, int defaultValue, int min, int max)
    {
        var text = config[key];
        if (text is null)
        {
            return defaultValue;
        }

        if (!int.TryParse(text.Trim(), System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var value) || value < min || value > max)
        {
            throw Bad(key, text, $"{min}-{max}");
        }

        return value;
    }

    public static bool Bool(IConfiguration config, string key, bool defaultValue)
    {
        var text = config[key];
        return text is null ? defaultValue : text.Trim().ToLowerInvariant() switch
        {
            "true" => true,
            "false" => false,
            _ => throw Bad(key, text, "true, false"),
        };
    }
}
