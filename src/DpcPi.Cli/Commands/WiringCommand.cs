using DpcPi.Cli.CommandLine;
using DpcPi.Gpio;
using DpcPi.Labs.Wiring;
using DpcPi.Reporting;

namespace DpcPi.Cli.Commands;

/// <summary>`dpcpi wiring render|check`: generates wiring.svg from wiring.json, and validates every wiring file.</summary>
internal sealed class WiringCommand : ICommand
{
    public string Name => "wiring";

    public string Summary => "render wiring diagrams (wiring.svg) from wiring.json, or check every wiring file";

    public string Usage => """
        usage: dpcpi wiring render [--all | FILE...] [--root DIR]
               dpcpi wiring check [--root DIR] [--together LAB,LAB...]

        render  writes wiring.svg next to each wiring.json (--all: every wiring/<lab>/wiring.json).
        check   validates every wiring/<lab>/wiring.json and that its wiring.svg is up to date; exits 2 on an error.
        --together  also checks that the named labs (or "all") can be wired on one board at once: no GPIO used
                by two of them.
        --root  the wiring/ folder (default: found by walking up from the current directory).
        """;

    public Task<int> RunAsync(IReadOnlyList<string> args, TextWriter output, CancellationToken cancellationToken)
    {
        var r = new ArgReader(Name, args);
        var verb = r.Positional() ?? throw r.Error("missing subcommand; allowed: render, check");
        var root = r.String(null, "root");
        return verb switch
        {
            "render" => Task.FromResult(Render(r, root, output)),
            "check" => Task.FromResult(Check(r, root, output)),
            _ => throw r.Error($"unknown subcommand '{verb}'; allowed: render, check"),
        };
    }

    private static int Render(ArgReader r, string? root, TextWriter output)
    {
        var all = r.Flag(null, "all");
        var files = new List<string>();
        while (r.Positional() is { } file)
        {
            files.Add(file);
        }

        r.EnsureEmpty();
        if (all == (files.Count > 0))
        {
            throw r.Error("give either --all or one or more wiring.json files");
        }

        if (all)
        {
            files.AddRange(WiringRenderer.FindWiringFiles(ResolveRoot(r, root)));
        }

        foreach (var file in files)
        {
            var svg = RenderOrThrow(r, file);
            var target = WiringRenderer.SvgPathFor(file);
            OutputFile.WriteAllText(target, svg);
            output.WriteLine($"wrote {target}");
        }

        return ExitCodes.Ok;
    }

    private static int Check(ArgReader r, string? root, TextWriter output)
    {
        var together = r.String(null, "together");
        r.EnsureEmpty();
        var problems = 0;
        var files = WiringRenderer.FindWiringFiles(ResolveRoot(r, root));
        var loaded = new Dictionary<string, WiringDocument>(StringComparer.Ordinal);
        foreach (var file in files)
        {
            try
            {
                var wiring = WiringLoader.Load(file);
                loaded[Path.GetFileName(Path.GetDirectoryName(Path.GetFullPath(file)))!] = wiring;
                var svg = WiringRenderer.Render(wiring);
                var target = WiringRenderer.SvgPathFor(file);
                if (!File.Exists(target) || File.ReadAllText(target) != svg)
                {
                    output.WriteLine($"{target}: out of date; run 'dpcpi wiring render {file}'.");
                    problems++;
                }
                else
                {
                    output.WriteLine($"ok  {file}");
                }
            }
            catch (WiringException ex)
            {
                output.WriteLine(ex.Message);
                problems++;
            }
        }

        if (together is not null)
        {
            problems += CheckTogether(r, together, loaded, output);
        }

        output.WriteLine($"{files.Count} wiring file(s), {problems} problem(s).");
        return problems == 0 ? ExitCodes.Ok : ExitCodes.Usage;
    }

    /// <summary>The labs named in --together (or all of them) on one board: each GPIO shared between two is a problem.</summary>
    private static int CheckTogether(ArgReader r, string together, Dictionary<string, WiringDocument> loaded, TextWriter output)
    {
        var names = together == "all" ? [.. loaded.Keys.Order(StringComparer.Ordinal)] : together.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        if (names.Length < 2)
        {
            throw r.Error("--together needs two or more labs (comma-separated) or \"all\"");
        }

        var labs = new List<WiringDocument>();
        foreach (var name in names.Distinct(StringComparer.Ordinal))
        {
            labs.Add(loaded.GetValueOrDefault(name)
                ?? throw r.Error($"--together: no valid wiring for lab '{name}'; labs: {string.Join(", ", loaded.Keys.Order(StringComparer.Ordinal))}"));
        }

        var shared = WiringRules.SharedBetweenLabs(labs);
        foreach (var line in shared)
        {
            output.WriteLine(line);
        }

        if (shared.Count == 0)
        {
            output.WriteLine($"ok  {string.Join(", ", names)} together: no GPIO used by two of them");
        }

        return shared.Count;
    }

    private static string RenderOrThrow(ArgReader r, string file)
    {
        if (!File.Exists(file))
        {
            throw r.Error($"'{file}' does not exist");
        }

        try
        {
            return WiringRenderer.Render(WiringLoader.Load(file));
        }
        catch (WiringException ex)
        {
            throw new CliException(ex.Message, ExitCodes.Usage);
        }
    }

    private static string ResolveRoot(ArgReader r, string? root)
    {
        if (root is not null)
        {
            return Directory.Exists(root) ? root : throw r.Error($"--root '{root}' is not a directory");
        }

        return WiringRenderer.FindWiringRoot(Directory.GetCurrentDirectory())
            ?? throw r.Error("no wiring/ folder (with README.md) above the current directory; use --root DIR");
    }
}
