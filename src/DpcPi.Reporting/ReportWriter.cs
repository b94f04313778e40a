using System.Text;

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

    /// <summary>Writes each format whose path is set (parent directories are created).</summary>
    public static void WriteAll(LatencyReport report, ReportPaths paths)
    {
        ArgumentNullException.ThrowIfNull(report);
        ArgumentNullException.ThrowIfNull(paths);
        if (paths.Json is { } json)
        {
            Prepare(json);
            using var fs = File.Create(json);
            LatencyJsonWriter.Write(fs, report);
        }

        WriteText(paths.Hgrm, w => HgrmWriter.Write(w, report.EdgeToDpcStart.Histogram));
        WriteText(paths.Csv, w => CsvReportWriter.WriteStatistics(w, report));
        WriteText(paths.TimelineCsv, w => CsvReportWriter.WriteTimeline(w, report));
        WriteText(paths.Svg, w => SvgPlotWriter.Write(w, report));
        WriteText(paths.Text, w => w.Write(TerminalReportRenderer.ToText(report)));
    }

    private static void WriteText(string? path, Action<TextWriter> write)
    {
        if (path is null)
        {
            return;
        }

        Prepare(path);
        using var w = new StreamWriter(path, append: false, new UTF8Encoding(false));
        write(w);
    }

    private static void Prepare(string path)
    {
        var dir = Path.GetDirectoryName(Path.GetFullPath(path));
        if (!string.IsNullOrEmpty(dir))
        {
            Directory.CreateDirectory(dir);
        }
    }
}
