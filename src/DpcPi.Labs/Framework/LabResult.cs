using System.Globalization;
using System.Text;

namespace DpcPi.Labs.Framework;

/// <summary>A named number a lab measured (e.g. "presses" = 5, "edge→DPC max" = 5000 ns).</summary>
public sealed record LabFigure(string Name, double Value, string Unit)
{
    public override string ToString() => $"{Name} = {Value.ToString("0.###", CultureInfo.InvariantCulture)}{(Unit.Length == 0 ? string.Empty : " " + Unit)}";
}

/// <summary>What a lab run produced: its figures (for tests and tables) and a text report (for people).</summary>
public sealed class LabResult
{
    public LabResult(string lab, IReadOnlyList<LabFigure> figures, string report)
    {
        Lab = lab;
        Figures = figures;
        Report = report;
    }

    public string Lab { get; }

    public IReadOnlyList<LabFigure> Figures { get; }

    public string Report { get; }

    /// <summary>The figure named <paramref name="name"/>; throws naming the figures that exist.</summary>
    public double Figure(string name) =>
        Figures.FirstOrDefault(f => f.Name == name)?.Value
        ?? throw new KeyNotFoundException($"Lab {Lab} has no figure \"{name}\"; it has {string.Join(", ", Figures.Select(f => f.Name))}.");

    /// <summary>The report followed by the figures, one per line.</summary>
    public string Format()
    {
        var sb = new StringBuilder();
        sb.Append(Report.TrimEnd()).Append('\n').Append('\n').Append("Figures:\n");
        foreach (var f in Figures)
        {
            sb.Append("  ").Append(f).Append('\n');
        }

        return sb.ToString();
    }

    /// <summary>Helper for labs: collects figures and report lines.</summary>
    public sealed class Builder(string lab)
    {
        private readonly List<LabFigure> _figures = [];
        private readonly StringBuilder _report = new();

        public Builder Figure(string name, double value, string unit = "")
        {
            _figures.Add(new LabFigure(name, value, unit));
            return this;
        }

        public Builder Line(string text = "")
        {
            _report.Append(text).Append('\n');
            return this;
        }

        /// <summary>A line only when there is something to say.</summary>
        public Builder LineIfAny(string text) => text.Length == 0 ? this : Line(text);

        public LabResult Build() => new(lab, _figures.ToArray(), _report.ToString());
    }
}
