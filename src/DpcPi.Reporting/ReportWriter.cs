namespace DpcPi.Reporting;

/// <summary>Writes one report in every format (the CLI's one call after a run).</summary>
public static class ReportWriter
{
    /// <summary>Writes every format into <paramref name="outputDirectory"/> (created if missing) and returns the paths written.</summary>
    public static ReportPaths WriteAll(LatencyReport report, string outputDirectory, string prefix = "latency")
    {
        ArgumentException.ThrowIfNullOrEmpty(outputDirectory);
        var paths = ReportPaths.InDirectory(outputDirectory, prefix);
        WriteAll(report, paths);
        return paths;
    }

    /// <summary>Before a run: checks every path that is set (<see cref="OutputFile.Check"/>); throws <see cref="OutputException"/>.</summary>
    public static void Check(ReportPaths paths)
    {
        ArgumentNullException.ThrowIfNull(paths);
        OutputFile.Check(paths.Json, "--json");
        OutputFile.Check(paths.Hgrm, "--hgrm");
        OutputFile.Check(paths.Csv, "--csv");
        OutputFile.Check(paths.TimelineCsv, "--out (timeline csv)");
        OutputFile.Check(paths.Svg, "--svg");
        OutputFile.Check(paths.Png, "--png");
        OutputFile.Check(paths.Text, "--out (text)");
    }

    /// <summary>Writes each format whose path is set, each atomically (<see cref="OutputFile"/>); throws <see cref="OutputException"/>.</summary>
    public static void WriteAll(LatencyReport report, ReportPaths paths)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Json is { } json)
        {
            OutputFile.Write(json, stream => LatencyJsonWriter.Write(stream, report));
        }

        WriteText(paths.Hgrm, w => HgrmWriter.Write(w, report.EdgeToDpcStart.Histogram));
        WriteText(paths.Csv, w => CsvReportWriter.WriteStatistics(w, report));
        WriteText(paths.TimelineCsv, w => CsvReportWriter.WriteTimeline(w, report));
        WriteText(paths.Svg, w => SvgPlotWriter.Write(w, report));
        if (paths.Png is { } png && PngPlotWriter.Available)
        {
            OutputFile.Write(png, stream => PngPlotWriter.Write(stream, report));
        }

        WriteText(paths.Text, w => w.Write(TerminalReportRenderer.ToText(report)));
    }

    private static void WriteText(string? path, Action<TextWriter> write)
    {
        if (path is not null)
        {
            OutputFile.WriteText(path, write);
        }
    }
}
