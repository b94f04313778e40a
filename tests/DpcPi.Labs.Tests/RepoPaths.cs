using System.Runtime.CompilerServices;

namespace DpcPi.Labs.Tests;

/// <summary>Locates the repository's wiring/ folder and sources from this source file (the tests may build anywhere).</summary>
internal static class RepoPaths
{
    public static string WiringRoot => Path.GetFullPath(Path.Combine(ThisDirectory(), "..", "..", "wiring"));

    public static string StimulusSource => Path.GetFullPath(Path.Combine(ThisDirectory(), "..", "..", "src", "DpcPi.Stimulus", "dpcpi-stimulus.c"));

    private static string ThisDirectory([CallerFilePath] string path = "") => Path.GetDirectoryName(path)!;
}
