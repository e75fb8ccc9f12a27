#[test]
fn sizes() {
    println!("Value={} ZSetValue={} StrValue={}", std::mem::size_of::<ember::types::Value>(), std::mem::size_of::<ember::types::ZSetValue>(), std::mem::size_of::<ember::types::StrValue>());
}
