using System.Collections.Immutable;
using CsCheck;
using Grump.Hyper.Compiler.Linking;
using Grump.Hyper.Compiler.Modules;

namespace Grump.Hyper.Compiler.Tests;

/// <summary>
/// The linker on int indexes links exactly as the string-keyed one it replaced (<see cref="ReferenceLinker"/>), on
/// random projects with everything the link reports: duplicate ids and routes, unknown and repeated depends, a module
/// depending on itself, cycles, modules given out of path and id order, and depends written without a location.
/// </summary>
public sealed class LinkerEquivalenceTests
{
    internal sealed record Spec(int Id, int Path, int Route, int[] Depends, bool Located);

    // Ids drawn at random from a few more values than there are modules, so many projects repeat one (paths too, more
    // rarely); a depend on an id no module drew is unknown.
    private static readonly Gen<Spec[]> Projects = Gen.Int[1, 30].SelectMany(n =>
        Gen.Select(Gen.Int[0, n + 2], Gen.Int[0, 3 * n], Gen.Int[-3, 6], Gen.Int[0, n + 4].Array[0, 5], Gen.Int[0, 4], (id, path, route, depends, located) =>
            new Spec(id, path, route, depends, located > 0)).Array[n]);

    private static CompiledModule[] Modules(Spec[] specs) =>
        [.. specs.Select((s, i) => new CompiledModule
        {
            Id = $"m{s.Id:00}",
            Path = $"p{s.Path:000}.intent",
            Sha256 = $"{i:x64}",
            Bytes = 10,
            Route = s.Route < 0 ? null : $"/r{s.Route}",
            Depends = [.. s.Depends.Select(d => $"m{d:00}")],
            Locations = new ModuleLocations(new(1, 1 + i), new(2, 1 + i), s.Located ? [.. s.Depends.Select((_, k) => new SourceLocation(3 + k, 10))] : []),
        })];

    [Fact]
    public void Links_exactly_as_the_string_keyed_linker_did()
    {
        Projects.Sample(specs =>
        {
            var modules = Modules(specs);
            var expected = ReferenceLinker.Link(modules);
            var actual = Linker.Link(modules);
            Assert.Equal(expected.Modules.AsEnumerable(), actual.Modules.AsEnumerable(), ReferenceEqualityComparer.Instance);
            Assert.Equal(expected.Edges.Keys, actual.Edges.Keys);
            foreach (var (id, deps) in expected.Edges)
            {
                Assert.Equal(deps.AsEnumerable(), actual.Edges[id].AsEnumerable());
            }

            Assert.Equal(expected.Order.AsEnumerable(), actual.Order.AsEnumerable());
            Assert.Equal(expected.Diagnostics.Select(d => d.ToString()), actual.Diagnostics.Select(d => d.ToString()));
        }, iter: 2000);
    }

    [Fact]
    public void Relinking_changed_depends_gives_the_whole_link()
    {
        // A project, then some modules' depends rewritten (ids, paths and routes stay): the relink of the changed
        // positions equals a whole link of the edited modules, or declines where the whole link finds a cycle.
        // Half of them layered (a module depends only on smaller ids, so no cycle), where a relink applies.
        static int[] Layered(Spec s, int[] depends) => [.. depends.Where(_ => s.Id > 0).Select(d => d % Math.Max(1, s.Id))];
        var edits = Gen.Select(Projects, Gen.Bool).SelectMany((specs, layered) => Gen.Select(Gen.Bool, Gen.Int[0, specs.Length + 4].Array[0, 5]).Array[specs.Length]
            .Select(e => layered
                ? (specs: specs.Select(s => s with { Depends = Layered(s, s.Depends) }).ToArray(), e: e.Select((x, i) => (x.Item1, Layered(specs[i], x.Item2))).ToArray())
                : (specs, e)));
        var relinked = 0;
        edits.Sample(x =>
        {
            var before = Modules(x.specs);
            var after = Modules([.. x.specs.Select((s, i) => x.e[i].Item1 ? s with { Depends = x.e[i].Item2 } : s)]);
            after = [.. after.Select((m, i) => x.e[i].Item1 ? m : before[i])]; // unedited modules stay the very objects
            var previous = Linker.Link(before);
            var positions = previous.Modules.Select(m => Array.IndexOf(before, m)).ToArray();
            var changed = Enumerable.Range(0, positions.Length).Where(p => !ReferenceEquals(after[positions[p]], before[positions[p]])).ToList();
            var actual = Linker.Relink(previous, [.. positions.Select(i => after[i])], changed);
            var expected = Linker.Link(after);
            if (actual is null)
            {
                Assert.Contains(previous.Diagnostics.Concat(expected.Diagnostics), d => d.Code == "GH1032");
                return;
            }

            relinked++;
            Assert.Equal(expected.Modules.AsEnumerable(), actual.Modules.AsEnumerable(), ReferenceEqualityComparer.Instance);
            Assert.Equal(expected.Edges.Select(e => $"{e.Key}: {string.Join(",", e.Value)}"), actual.Edges.Select(e => $"{e.Key}: {string.Join(",", e.Value)}"));
            Assert.Equal(expected.EdgeIndexes.Select(e => string.Join(",", e)), actual.EdgeIndexes.Select(e => string.Join(",", e)));
            Assert.Equal(expected.Order.AsEnumerable(), actual.Order.AsEnumerable());
            Assert.Equal(expected.Diagnostics.Select(d => d.ToString()), actual.Diagnostics.Select(d => d.ToString()));
        }, iter: 2000);
        Assert.True(relinked > 200, $"only {relinked} samples were relinked"); // the generator makes acyclic projects often enough to test this
    }

    [Fact]
    public void Orders_any_edge_map_as_the_string_keyed_linker_did()
    {
        // Edges as callers may hand them: depends in any order, and cycles.
        var graphs = Gen.Int[1, 25].SelectMany(n => Gen.Int[0, n - 1].Array[0, 4].Array[n]);
        graphs.Sample(graph =>
        {
            var edges = graph.Select((deps, i) => (Id: $"m{i:00}", Deps: deps.Distinct().Select(d => $"m{d:00}").ToImmutableArray()))
                .Reverse().ToDictionary(x => x.Id, x => x.Deps, StringComparer.Ordinal);
            Assert.Equal(ReferenceLinker.TopologicalOrder(edges).AsEnumerable(), Linker.TopologicalOrder(edges).AsEnumerable());
        }, iter: 1000);
    }

    [Fact]
    public void Reports_the_shortest_cycle_once_at_the_depend_that_starts_it()
    {
        // m00 -> m01 -> m02 -> m00, and m01 -> m00 directly: the shortest cycle from the smallest id is m00 -> m01 -> m00.
        var modules = Modules([new Spec(0, 0, -1, [1], true), new Spec(1, 1, -1, [2, 0], true), new Spec(2, 2, -1, [0], true)]);
        var cycle = Assert.Single(Linker.Link(modules).Diagnostics);
        Assert.Equal("p000.intent:3:10: error GH1032: Dependency cycle: m00 -> m01 -> m00", cycle.ToString());
    }
}
