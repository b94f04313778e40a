namespace DpcPi.Labs.Framework;

/// <summary>
/// One lab: a small driver (ISR does the minimum, DPC does the work) with a wiring recipe in
/// wiring/&lt;Name&gt;/, a deterministic fake scenario whose figures are exact, and the same driver on real pins.
/// </summary>
public interface ILab
{
    /// <summary>The CLI name and the wiring folder (e.g. "button").</summary>
    string Name { get; }

    string Title { get; }

    /// <summary>One line for `dpcpi lab list`.</summary>
    string Summary { get; }

    /// <summary>How long `dpcpi lab NAME --source gpio` runs unless told (-D).</summary>
    TimeSpan GpioDuration { get; }

    /// <summary>Runs the fake scenario on a manual kernel and a virtual clock; the same call gives the same result.</summary>
    LabResult RunFake();

    /// <summary>Runs the lab's driver on <paramref name="bench"/>'s real lines (its wiring's pins) for <paramref name="run"/>'s duration.</summary>
    LabResult RunGpio(GpioBench bench, GpioLabRun run);
}
