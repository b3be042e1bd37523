using System.Globalization;
using Grump.Hyper.Compiler.Modules;
using static Grump.Hyper.Compiler.Tests.TestSources;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The team's conformance suite (Conformance/cases.txt): English as product teams write it, with what a careful
/// reader takes from it, written from the rules and not from the output. Its score per class is printed; the
/// README states the total, and this test holds the two equal, so a rule that gets better or worse shows there.
/// Cases that fail are the work still to do, listed with what was found instead.
/// </summary>
public sealed class ConformanceTests
{
    private sealed record Case(string Class, string Body, string[] Expectations, int Line);

    private static List<Case> Cases()
    {
        var path = Path.Combine(Repository.Root, "tests", "Grump.Hyper.Compiler.Tests", "Conformance", "cases.txt");
        var cases = new List<Case>();
        var number = 0;
        foreach (var line in File.ReadLines(path))
        {
            number++;
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var (head, expectations) = (line[..line.IndexOf("||", StringComparison.Ordinal)], line[(line.IndexOf("||", StringComparison.Ordinal) + 2)..]);
            var bar = head.IndexOf('|', StringComparison.Ordinal);
            cases.Add(new Case(head[..bar].Trim(), head[(bar + 1)..].Trim(), expectations.Split(' ', StringSplitOptions.RemoveEmptyEntries), number));
        }

        return cases;
    }

    /// <summary>Null when the expectation holds, else what was found.</summary>
    private static string? Check(ModuleDocument module, string expectation)
    {
        var (kind, rest) = (expectation[..expectation.IndexOf(':', StringComparison.Ordinal)], expectation[(expectation.IndexOf(':', StringComparison.Ordinal) + 1)..]);
        switch (kind)
        {
            case "tech":
            {
                var (name, want) = Split(rest, '=');
                var found = module.Tech.FirstOrDefault(t => t.Canonical == name);
                var (status, replacement) = want.Contains('>', StringComparison.Ordinal) ? Split(want, '>') : (want, null);
                var actual = found is null ? "absent" : found.Status;
                return actual == status && (replacement is null || found?.ReplacedBy == replacement) ? null
                    : $"{name} is {actual}{(found?.ReplacedBy is { } by ? ">" + by : string.Empty)}";
            }

            case "feature" when rest.Contains('@', StringComparison.Ordinal):
            {
                var (name, action) = Split(rest, '@');
                var found = module.Features.FirstOrDefault(f => f.Name == name);
                return found?.Action == action ? null : found is null ? $"{name} is absent" : $"{name} has action {found.Action}";
            }

            case "feature":
            {
                var (name, status) = Split(rest, '=');
                var actual = module.Features.FirstOrDefault(f => f.Name == name)?.Status ?? "absent";
                return actual == status ? null : $"{name} is {actual}";
            }

            case "actor":
            {
                var (name, status) = rest.Contains('=', StringComparison.Ordinal) ? Split(rest, '=') : (rest, "present");
                name = name.Replace('+', ' '); // a space inside a name, where expectations are space-separated
                var actual = module.Actors.Contains(name) ? "present" : "absent";
                return actual == status ? null : $"actor {name} is {actual} (actors: {string.Join(", ", module.Actors)})";
            }

            case "type":
                return module.ProjectType == rest ? null : $"type is {module.ProjectType}";
            default:
                throw new InvalidDataException($"unknown expectation '{expectation}'");
        }
    }

    private static (string, string) Split(string text, char separator) =>
        (text[..text.IndexOf(separator, StringComparison.Ordinal)], text[(text.IndexOf(separator, StringComparison.Ordinal) + 1)..]);

    [Fact]
    public void The_suite_scores_what_the_readme_says()
    {
        var cases = Cases();
        Assert.True(cases.Count >= 200, $"the suite has {cases.Count} cases; it keeps at least 200");
        var failures = new List<string>();
        var byClass = new SortedDictionary<string, (int Passed, int Total)>(StringComparer.Ordinal);
        foreach (var c in cases)
        {
            var module = Module(c.Body);
            var wrong = c.Expectations.Select(e => (e, Check(module, e))).Where(p => p.Item2 is not null).ToList();
            var (passed, total) = byClass.GetValueOrDefault(c.Class);
            byClass[c.Class] = (passed + (wrong.Count == 0 ? 1 : 0), total + 1);
            if (wrong.Count > 0)
            {
                failures.Add($"cases.txt:{c.Line} [{c.Class}] \"{c.Body}\": " + string.Join("; ", wrong.Select(w => $"{w.e} but {w.Item2}")));
            }
        }

        var score = byClass.Values.Sum(v => v.Passed);
        var line = string.Create(CultureInfo.InvariantCulture, $"conformance: {score} of {cases.Count} cases ({100.0 * score / cases.Count:0.0}%); ")
            + string.Join(", ", byClass.Select(p => $"{p.Key} {p.Value.Passed}/{p.Value.Total}"));
        TestContext.Current.TestOutputHelper?.WriteLine(line);
        failures.ForEach(f => TestContext.Current.TestOutputHelper?.WriteLine(f));
        var readme = File.ReadAllText(Path.Combine(Repository.Root, "README.md"));
        Assert.True(readme.Contains(line, StringComparison.Ordinal), $"README.md should state: {line}\nfailing cases:\n" + string.Join("\n", failures));
    }
}
