namespace DpcPi.Reporting;

/// <summary>Where <see cref="ReportWriter.WriteAll(LatencyReport, ReportPaths)"/> writes each format; null skips it.</summary>
public sealed record ReportPaths
{
    public string? Json { get; init; }

    /// <summary>.hgrm of edge→DPC-start.</summary>
    public string? Hgrm { get; init; }

    public string? Csv { get; init; }

    public string? TimelineCsv { get; init; }

    public string? Svg { get; init; }

    /// <summary>The SVG plot rendered to PNG (<see cref="PngPlotWriter"/>).</summary>
    public string? Png { get; init; }

    /// <summary>The plain-text terminal report.</summary>
    public string? Text { get; init; }

    /// <summary>The standard file names inside <paramref name="directory"/> (prefix-json, .hgrm, .csv, -timeline.csv, .svg, .png, .txt).</summary>
    public static ReportPaths InDirectory(string directory, string prefix = "latency") => new()
    {
        Json = Path.Combine(directory, prefix + ".json"),
        Hgrm = Path.Combine(directory, prefix + ".hgrm"),
        Csv = Path.Combine(directory, prefix + ".csv"),
        TimelineCsv = Path.Combine(directory, prefix + "-timeline.csv"),
        Svg = Path.Combine(directory, prefix + ".svg"),
        Png = Path.Combine(directory, prefix + ".png"),
        Text = Path.Combine(directory, prefix + ".txt"),
    };
}
