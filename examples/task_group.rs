//! asyncio.TaskGroup: children joined together; the first failure cancels
//! the others and join reports every failure.
//!
//! `cargo run --example task_group [-- --real]`
mod common;

use evloop::combinators::TaskGroup;

async fn download(name: &'static str, secs: f64, fail: bool) -> Result<usize, String> {
    evloop::sleep(common::secs(secs)).await;
    if fail {
        return Err(format!("{name}: HTTP 503"));
    }
    println!("{} {name} downloaded", common::at());
    Ok(secs as usize * 100)
}

fn main() {
    let rt = common::runtime();
    rt.block_on(async {
        println!("A group where everything works:");
        let group = TaskGroup::new();
        let a = group.spawn_named("a", download("a", 1.0, false));
        let b = group.spawn_named("b", download("b", 2.0, false));
        group.join().await.expect("no child failed");
        println!(
            "{} joined: a={} b={}\n",
            common::at(),
            a.await.unwrap(),
            b.await.unwrap()
        );

        println!("A group where one child fails:");
        let group = TaskGroup::new();
        let slow = group.spawn_named("slow", download("slow", 5.0, false));
        let _bad = group.spawn_named("bad", download("bad", 1.0, true));
        let _ok = group.spawn_named("ok", download("ok", 0.5, false));
        match group.join().await {
            Ok(()) => println!("no failure?"),
            Err(errors) => println!("{} join: {errors}", common::at()),
        }
        println!("{} slow: {}", common::at(), slow.await.unwrap_err());
    });
}
