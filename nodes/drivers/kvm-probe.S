# The KVM probe's boot sector (nodes/drivers/kvm-probe.ts embeds the 512 bytes it assembles to).
# It walks the path a 64-bit kernel takes: real mode, long mode with 2 MiB pages, a 64 MiB
# memory sweep, a page fault handled through an IDT, a trip to compatibility mode with paging
# off and back, a backwards overlapping rep movsq; it writes R L M P C B K to the debug port
# 0x402 as it goes. Rebuild:
#   as --32 -o boot.o kvm-probe.S && ld -m elf_i386 -Ttext 0x7c00 --oformat binary -o boot.bin boot.o
  .code16
  .globl _start
_start:
  cli
  xor %ax, %ax
  mov %ax, %ds
  mov %ax, %es
  mov %ax, %ss
  mov $0x7c00, %sp
  mov $'R', %al
  mov $0x402, %dx
  outb %al, %dx
  # page tables at 0x1000 (PML4), 0x2000 (PDPT), 0x3000 (PD, 2 MiB pages)
  mov $0x1000, %di
  mov $0x1800, %cx
  xor %ax, %ax
  rep stosw
  movl $0x2003, (0x1000)
  movl $0x3003, (0x2000)
  mov $0x3000, %di
  mov $0x0083, %eax
2:
  movl %eax, (%di)
  add $0x200000, %eax
  add $8, %di
  cmp $0x3100, %di
  jne 2b
  lgdt gdtr
  mov %cr4, %eax
  or $0x20, %eax            # PAE
  mov %eax, %cr4
  mov $0x1000, %eax
  mov %eax, %cr3
  mov $0xC0000080, %ecx     # EFER
  rdmsr
  or $0x100, %eax           # LME
  wrmsr
  mov %cr0, %eax
  or $0x80000001, %eax      # PG | PE
  mov %eax, %cr0
  ljmp $0x08, $long
  .code64
long:
  mov $0x10, %ax
  mov %ax, %ds
  mov %ax, %ss
  mov $0x402, %dx
  mov $'L', %al
  outb %al, %dx
  mov $0x100000, %rdi
3:
  movq %rdi, (%rdi)
  add $0x1000, %rdi
  cmp $0x4000000, %rdi
  jne 3b
  mov $'M', %al
  outb %al, %dx
  # IDT at 0x5000: vector 14 -> pf
  movl $pf, %eax
  mov %ax, (0x5000 + 14*16)
  movw $0x08, (0x5000 + 14*16 + 2)
  movw $0x8E00, (0x5000 + 14*16 + 4)
  shr $16, %rax
  mov %ax, (0x5000 + 14*16 + 6)
  movl $idtr, %eax
  lidt (%rax)
  movq (0x8000000), %rax     # beyond the mapping: #PF, the handler maps it
  mov $'P', %al
  outb %al, %dx
  pushq $0x18
  movl $compat, %eax
  pushq %rax
  lretq
  .code32
compat:
  mov %cr0, %eax
  and $0x7fffffff, %eax
  mov %eax, %cr0
  mov $'C', %al
  outb %al, %dx
  mov %cr0, %eax
  or $0x80000000, %eax
  mov %eax, %cr0
  ljmp $0x08, $back
  .code64
back:
  mov $'B', %al
  outb %al, %dx
  # copy 1 MiB backwards, overlapping, as the kernel's decompressor moves itself
  mov $0x100000, %rcx
  shr $3, %rcx
  lea (0x200000 - 8), %rsi
  lea (0x280000 - 8), %rdi
  std
  rep movsq
  cld
  mov $'K', %al
  mov $0x402, %dx
  outb %al, %dx
1:
  hlt
  jmp 1b
pf:
  movl $0x8000083, (0x3000 + 64*8)
  mov %cr3, %rax
  mov %rax, %cr3
  add $8, %rsp
  iretq
  .align 8
idtr:
  .word 4095
  .quad 0x5000
gdt:
  .quad 0
  .quad 0x00209A0000000000    # 64-bit code
  .quad 0x00CF92000000FFFF    # data
  .quad 0x00CF9A000000FFFF    # 32-bit code
gdtr:
  .word gdtr - gdt - 1
  .long gdt
  .org 510
  .word 0xAA55
