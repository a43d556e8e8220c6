# A trace of 1 event, exported by nvmetrace as a qtest script (QEMU 7.2's qtest protocol).
# Without the qtest accelerator (Debian): QEMU_MODULE_DIR=<folder with accel-qtest-x86_64.so>,
# or replace accel=qtest by accel=tcg and add -S.
cat << EOF | qemu-system-x86_64 -machine q35,accel=qtest -nodefaults -display none -m 128M -drive driver=null-co,size=67108864,read-zeroes=on,if=none,id=d0 -device nvme,drive=d0,serial=nvt-guest,addr=02.0 -qtest stdio
outl 0xcf8 0x80001010
outl 0xcfc 0xfebf0004
outl 0xcf8 0x80001014
outl 0xcfc 0x0
outl 0xcf8 0x80001004
outw 0xcfc 0x6
writel 0xfebf0e04 0x1
EOF
