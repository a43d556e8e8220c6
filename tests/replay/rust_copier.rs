// An in-process replay target in Rust: the copy engine of tests/replay/test_target_unit.c
// (BAR0 0x08 source, 0x18 destination, 0x10 go: read 8 bytes, add 1 to each, write them,
// send MSI-X vector 0), built as a cdylib behind <nvmetrace/target.h>. The declarations are
// those of docs/integrate.md, section 6 (test replay.rust checks they have not drifted).
// create() args: "" or "panic" (a panic on the first copy: the replay must see SIGABRT).
use std::ffi::CStr;
use std::os::raw::{c_char, c_int, c_void};

#[repr(C)] pub struct NvtTargetDma { pub kind: u8, pub qid: u16, pub cid: u16, pub slot: u16 }

#[repr(C)]
pub struct NvtTargetHost {
    pub ctx: *mut c_void,
    pub dma_read: extern "C" fn(*mut c_void, u64, *mut c_void, u32, *const NvtTargetDma) -> c_int,
    pub dma_write: extern "C" fn(*mut c_void, u64, *const c_void, u32, *const NvtTargetDma) -> c_int,
    pub msix: extern "C" fn(*mut c_void, u16, u64, u32),
    pub intx: extern "C" fn(*mut c_void, c_int),
    pub state: extern "C" fn(*mut c_void, u8, u32),
    pub log: extern "C" fn(*mut c_void, *const c_char),
}

#[repr(C)]
pub struct NvtTargetOps {
    pub abi_version: u32, pub size: u32, pub name: *const c_char, pub features: u32,
    pub create: extern "C" fn(*const NvtTargetHost, *const c_char, *mut c_char, usize) -> *mut c_void,
    pub destroy: extern "C" fn(*mut c_void),
    pub reset: extern "C" fn(*mut c_void),
    pub cfg_read: extern "C" fn(*mut c_void, u16, u8) -> u32,
    pub cfg_write: extern "C" fn(*mut c_void, u16, u8, u32),
    pub mmio_read: extern "C" fn(*mut c_void, u8, u32, u8) -> u64,
    pub mmio_write: extern "C" fn(*mut c_void, u8, u32, u8, u64),
    pub run: Option<extern "C" fn(*mut c_void)>,
}
unsafe impl Sync for NvtTargetOps {}

static OPS: NvtTargetOps = NvtTargetOps {
    abi_version: 1, size: std::mem::size_of::<NvtTargetOps>() as u32,
    name: b"rustdev 0.1\0".as_ptr() as *const c_char, features: 0,
    create, destroy, reset, cfg_read, cfg_write, mmio_read, mmio_write, run: Some(run),
};

#[no_mangle]
pub extern "C" fn nvt_target_v1() -> *const NvtTargetOps { &OPS }

const DMA_DATA: u8 = 0;

struct Copier { host: NvtTargetHost, src: u64, dst: u64, pending: bool, panic: bool }

/// Runs f, aborting on a panic: unwinding must not cross the C boundary.
fn guard<R>(f: impl FnOnce() -> R) -> R {
    match std::panic::catch_unwind(std::panic::AssertUnwindSafe(f)) {
        Ok(r) => r,
        Err(_) => std::process::abort(),
    }
}

fn dev<'a>(p: *mut c_void) -> &'a mut Copier { unsafe { &mut *(p as *mut Copier) } }

extern "C" fn create(host: *const NvtTargetHost, args: *const c_char, err: *mut c_char,
                     errlen: usize) -> *mut c_void {
    guard(|| {
        let args = unsafe { CStr::from_ptr(args) }.to_string_lossy();
        let panic = match args.as_ref() { "" => false, "panic" => true, other => {
            let msg = format!("unknown argument '{}'", other);
            let n = msg.len().min(errlen.saturating_sub(1));
            unsafe {
                std::ptr::copy_nonoverlapping(msg.as_ptr(), err as *mut u8, n);
                *err.add(n) = 0;
            }
            return std::ptr::null_mut();
        }};
        let h = unsafe { &*host };
        let host = NvtTargetHost { ctx: h.ctx, dma_read: h.dma_read, dma_write: h.dma_write,
                                   msix: h.msix, intx: h.intx, state: h.state, log: h.log };
        Box::into_raw(Box::new(Copier { host, src: 0, dst: 0, pending: false, panic }))
            as *mut c_void
    })
}

extern "C" fn destroy(p: *mut c_void) { drop(unsafe { Box::from_raw(p as *mut Copier) }); }

extern "C" fn reset(p: *mut c_void) {
    let d = dev(p);
    d.src = 0;
    d.dst = 0;
    d.pending = false;
}

extern "C" fn cfg_read(_p: *mut c_void, off: u16, _size: u8) -> u32 {
    if off == 0 { 0x4e56_1234 } else { 0 }
}

extern "C" fn cfg_write(_p: *mut c_void, _off: u16, _size: u8, _value: u32) {}

extern "C" fn mmio_read(_p: *mut c_void, bar: u8, off: u32, _size: u8) -> u64 {
    if bar == 0 && off == 0 { 0x1234_5678 } else { 0 }
}

extern "C" fn mmio_write(p: *mut c_void, _bar: u8, off: u32, _size: u8, value: u64) {
    let d = dev(p);
    match off {
        0x08 => d.src = value,
        0x18 => d.dst = value,
        0x10 => d.pending = true, // the copy is deferred to run(), as a bottom half would be
        _ => {}
    }
}

extern "C" fn run(p: *mut c_void) {
    guard(|| {
        let d = dev(p);
        if !d.pending {
            return;
        }
        d.pending = false;
        if d.panic {
            panic!("copy engine: injected panic");
        }
        let tag = NvtTargetDma { kind: DMA_DATA, qid: 1, cid: 7, slot: 0 };
        let mut b = [0u8; 8];
        if (d.host.dma_read)(d.host.ctx, d.src, b.as_mut_ptr() as *mut c_void, 8, &tag) < 0 {
            return;
        }
        for x in b.iter_mut() {
            *x = x.wrapping_add(1);
        }
        (d.host.dma_write)(d.host.ctx, d.dst, b.as_ptr() as *const c_void, 8, &tag);
        (d.host.msix)(d.host.ctx, 0, 0xfee0_0000, 0x40);
    })
}
