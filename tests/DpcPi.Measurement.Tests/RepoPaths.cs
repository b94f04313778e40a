using System.Runtime.CompilerServices;

namespace DpcPi.Measurement.Tests;

/// <summary>Locates the repository's sources from this source file (the tests may build anywhere).</summary>
internal static class RepoPaths
{
    public static string StimulusSource => Path.GetFullPath(Path.Combine(ThisDirectory(), "..", "..", "src", "DpcPi.Stimulus", "dpcpi-stimulus.c"));

    private static string ThisDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
