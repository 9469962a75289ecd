//! Criterion benchmarks of each stage, on generated releases of N = 10, 1,000 and
//! 10,000 security issues (and as many bug fixes).
//!
//! The `shapes` group runs the whole pipeline (load, validate, build the embargo
//! matcher, render, compose and guard the pre-announcement) over the shapes of
//! input shapes that once grew faster than their input, at 1x and 10x size, to show that each grows linearly.
//!
//! `cargo bench --bench stages` runs them all in about two minutes on two cores; pass a
//! filter such as `cargo bench --bench stages -- render/` to run one stage.

use std::hint::black_box;
use std::path::Path;
use std::time::{Duration, SystemTime};

use criterion::{
    criterion_group, criterion_main, BenchmarkGroup, BenchmarkId, Criterion, SamplingMode,
    Throughput,
};
use herald::guard::{check_email, check_message, Embargo};
use herald::load::{parse_release, LoadedRelease};
use herald::model::Addressing;
use herald::model::{MessageKind, Profile};
use herald::plan::plan;
use herald::render::{compose, render_message, RenderedMessage, Templates};
use herald::source::SourceFile;
use herald::validate::validate;

const SIZES: [usize; 3] = [10, 1_000, 10_000];

struct Case {
    n: usize,
    text: String,
    input: LoadedRelease,
    announcement: RenderedMessage,
    pre_announcement: RenderedMessage,
}

fn cases() -> Vec<Case> {
    let templates = Templates::builtin(Profile::default()).expect("built-in templates");
    SIZES
        .iter()
        .map(|&n| {
            let text = genfixture::release_toml(n);
            let input = parse_release(SourceFile::new("generated.toml", text.clone()))
                .expect("generated release loads");
            assert!(
                validate(&input).is_empty(),
                "the generated release of {n} issues is not clean"
            );
            let announcement =
                render_message(&input, MessageKind::Announcement, &templates).expect("renders");
            let pre_announcement =
                render_message(&input, MessageKind::PreAnnouncement, &templates).expect("renders");
            Case {
                n,
                text,
                input,
                announcement,
                pre_announcement,
            }
        })
        .collect()
}

fn addressing() -> Addressing {
    Addressing {
        from: "Go release team <releases@example.invalid>".to_string(),
        to: vec![
            "golang-announce@example.invalid".to_string(),
            "golang-dev@example.invalid".to_string(),
        ],
        cc: Vec::new(),
        bcc: vec!["security@example.invalid".to_string()],
        reply_to: None,
        parts: Default::default(),
    }
}

/// Small samples: the suite must finish in about a minute on two cores.
fn configure(group: &mut BenchmarkGroup<'_, criterion::measurement::WallTime>, n: usize) {
    group.throughput(Throughput::Elements(n as u64));
    if n >= 10_000 {
        group.sampling_mode(SamplingMode::Flat);
        group.sample_size(10);
        group.warm_up_time(Duration::from_millis(200));
        group.measurement_time(Duration::from_secs(2));
    } else {
        group.sampling_mode(SamplingMode::Auto);
        group.sample_size(20);
        group.warm_up_time(Duration::from_millis(300));
        group.measurement_time(Duration::from_secs(1));
    }
}

fn stages(c: &mut Criterion) {
    let cases = cases();
    let templates = Templates::builtin(Profile::default()).expect("built-in templates");
    let today = chrono::NaiveDate::from_ymd_opt(2021, 3, 5).expect("a date");
    let addressing = addressing();
    let headers =
        "From: Go release team <releases@example.invalid>\nTo: golang-announce@example.invalid\n";
    let date = SystemTime::UNIX_EPOCH + Duration::from_secs(1_615_377_600);

    let mut group = c.benchmark_group("load+validate");
    for case in &cases {
        configure(&mut group, case.n);
        group.bench_with_input(
            BenchmarkId::from_parameter(case.n),
            &case.text,
            |b, text| {
                b.iter(|| {
                    let input =
                        parse_release(SourceFile::new(Path::new("generated.toml"), text.clone()))
                            .expect("loads");
                    black_box(validate(&input))
                })
            },
        );
    }
    group.finish();

    let mut group = c.benchmark_group("plan");
    for case in &cases {
        configure(&mut group, case.n);
        group.bench_with_input(
            BenchmarkId::from_parameter(case.n),
            &case.input,
            |b, input| b.iter(|| black_box(plan(input, today))),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("render");
    for case in &cases {
        configure(&mut group, case.n);
        group.bench_with_input(
            BenchmarkId::from_parameter(case.n),
            &case.input,
            |b, input| {
                b.iter(|| {
                    black_box(
                        render_message(input, MessageKind::Announcement, &templates)
                            .expect("renders"),
                    )
                })
            },
        );
    }
    group.finish();

    // The guard over the real pre-announcement (small whatever N is, but with N
    // embargoed details to look for), and over a large text: the announcement's
    // body presented as if it were a pre-announcement, so that every part is scanned.
    let mut group = c.benchmark_group("guard");
    for case in &cases {
        configure(&mut group, case.n);
        let embargo = Embargo::new(&case.input);
        group.bench_with_input(
            BenchmarkId::new("pre-announcement", case.n),
            &case.pre_announcement,
            |b, message| b.iter(|| black_box(check_message(&embargo, message, headers))),
        );
        let large = RenderedMessage {
            kind: MessageKind::PreAnnouncement,
            ..case.announcement.clone()
        };
        group.bench_with_input(
            BenchmarkId::new("large-text", case.n),
            &large,
            |b, message| b.iter(|| black_box(check_message(&embargo, message, headers))),
        );
    }
    group.finish();

    let mut group = c.benchmark_group("compose");
    for case in &cases {
        configure(&mut group, case.n);
        group.bench_with_input(
            BenchmarkId::from_parameter(case.n),
            &case.announcement,
            |b, message| {
                b.iter(|| black_box(compose(message, &addressing, date, 0).expect("composes")))
            },
        );
    }
    group.finish();
}

/// The input shapes, each at 1x and 10x: (shape, 1x, 10x). Issues are
/// benchmarked at 1,000 / 10,000 here (`bench/run` runs 10,000 / 100,000).
const SHAPE_SIZES: &[(&str, usize, usize)] = &[
    ("title", 104_858, 1_048_576),
    ("word", 104_858, 1_048_576),
    ("path", 104_858, 1_048_576),
    ("credit", 1_000, 10_000),
    ("issues", 1_000, 10_000),
    ("leaks", 1_000, 10_000),
    ("distinct", 1_000, 10_000),
    ("parts", 10_000, 100_000),
    ("recipients", 1_000, 10_000),
];

/// Load, validate, build the matcher, render, compose and guard the pre-announcement.
fn pipeline(text: &str, addressing: &Addressing, date: SystemTime) -> usize {
    let input = parse_release(SourceFile::new("shape.toml", text.to_string())).expect("loads");
    let findings = validate(&input);
    let embargo = Embargo::new(&input);
    let templates = Templates::builtin(Profile::default()).expect("built-in templates");
    let message =
        render_message(&input, MessageKind::PreAnnouncement, &templates).expect("renders");
    let email = compose(&message, addressing, date, 0).expect("composes");
    let leaks = check_email(&embargo, MessageKind::PreAnnouncement, &email.bytes);
    findings.len() + leaks.len() + email.bytes.len()
}

fn shapes(c: &mut Criterion) {
    let date = SystemTime::UNIX_EPOCH + Duration::from_secs(1_615_377_600);
    let mut group = c.benchmark_group("shapes");
    group.sampling_mode(SamplingMode::Flat);
    group.sample_size(10);
    group.warm_up_time(Duration::from_millis(200));
    group.measurement_time(Duration::from_secs(2));
    for &(shape, small, large) in SHAPE_SIZES {
        assert!(
            genfixture::SHAPES.iter().any(|(name, _)| *name == shape),
            "{shape} is not a shape genfixture knows"
        );
        for n in [small, large] {
            let text = genfixture::shape_toml(shape, n).expect("a known shape");
            let mut addressing = addressing();
            if shape == "recipients" {
                addressing.to = genfixture::recipient_addresses(n);
            }
            group.throughput(Throughput::Bytes(text.len() as u64));
            group.bench_with_input(BenchmarkId::new(shape, n), &text, |b, text| {
                b.iter(|| black_box(pipeline(text, &addressing, date)))
            });
        }
    }
    group.finish();
}

criterion_group!(benches, stages, shapes);
criterion_main!(benches);
