using System.Runtime.CompilerServices;

namespace DpcPi.Gpio.Tests;

internal static class TestPaths
{
    /// <summary>The repository root, found from this source file (builds may live outside the tree).</summary>
    public static string RepoRoot { get; } = FindRoot();

    private static string FindRoot([CallerFilePath] string thisFile = "")
    {
        var dir = Path.GetDirectoryName(thisFile);
        while (dir is not null && !File.Exists(Path.Combine(dir, "DpcPi.sln")))
        {
            dir = Path.GetDirectoryName(dir);
        }

        return dir ?? throw new InvalidOperationException("DpcPi.sln not found above " + thisFile);
    }
}
